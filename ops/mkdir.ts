/** mkdir() in the scenario's directory, subject to LANDLOCK_ACCESS_FS_MAKE_DIR (security/landlock/fs.c: hook_path_mkdir). */
import { z } from 'zod';
import { lookupCreate, parentOf, pathAccessDeniedLayer } from '../model/fs.js';
import { ACCESS_FS_MAKE_DIR } from '../model/limits.js';
import { logFsDenial } from '../model/state.js';
import { base, relPath } from './fields.js';
import type { OpDef } from './types.js';
import { GLOBAL } from './footprint.js';

const schema = z.strictObject({ op: z.literal('mkdir'), ...base, path: relPath });
export type MkdirStep = z.infer<typeof schema>;

export const mkdir: OpDef<MkdirStep> = {
  op: 'mkdir',
  schema,
  names: {},
  text: (st) => `${st.by} mkdir ${st.path}`,
  wire: (st) => [st.path],
  apply: (w, t, st) => {
    const c = lookupCreate(w.tree, st.path);
    if (!c.ok) return { result: c.errno };
    const layer = pathAccessDeniedLayer(t.domain, ACCESS_FS_MAKE_DIR, parentOf(st.path));
    if (layer >= 0) {
      logFsDenial(w, t, 'make_dir', layer, parentOf(st.path));
      return { result: 'EACCES', note: `layer ${layer} handles make_dir and has no rule for the parent` };
    }
    w.tree.set(st.path, 'dir');
    return { result: 'ok' };
  },
  readOnly: false,
  observes: [],
  // Footprint: the filesystem: GLOBAL (not in the exhaustive alphabet).
  footprint: () => GLOBAL,
  reaches: null,
  gen: {
    weight: 3,
    needsSock: false,
    build: (g) => {
      const path = g.dirChoices[g.x.c % g.dirChoices.length]!;
      g.push({ op: 'mkdir', by: g.by, path });
      g.dirs.add(path);
    },
  },
  exhaustive: null,
  c: (st, x) => [`.addr = ${x.addr({ pathname: st.path })}`],
  kselftest: (st, x) => ({ lines: [`\tEXPECT_EQ(${x.want}, RES(mkdir("${st.path}", 0700)));`], undo: `\tEXPECT_EQ(0, rmdir("${st.path}"));` }),
  shell: (st, x) => {
    x.out.push(x.head, x.exp, `${x.p}mkdir ${st.path}`);
  },
  picture: () => {},
};
