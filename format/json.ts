/**
 * JSON from files other people wrote: a parse error says where, never what the file contains
 * (V8's messages quote the text: a file that is not what it should be must not leak into a
 * message). Pure.
 */
export type Parsed = { ok: true; value: unknown } | { ok: false; why: string };

export function parseJson(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const m = /at position (\d+)/.exec((e as Error).message);
    if (m) return { ok: false, why: `not valid JSON (at character ${m[1]})` };
    if (/end of JSON input/.test((e as Error).message)) return { ok: false, why: 'not valid JSON (it ends too early)' };
    return { ok: false, why: 'not valid JSON' };
  }
}
