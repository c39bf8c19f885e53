/**
 * Writes the kernel selftest matrices (tools/testing/selftests/landlock/scoped_*_test.c, fs_test.c) as scenario files under scenarios/selftests/.
 * The expected results come from the selftests' own tables (copied into this file from the spec),
 * never from the model. Run: npx tsx scripts/gen-scenarios.ts
 */
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Address, Scenario, Step } from '../format/scenario.js';

const ROOT = join(import.meta.dirname, '..', 'scenarios', 'selftests');

type Variant = { name: string; both: boolean; parent: boolean; child: boolean };
/** tools/testing/selftests/landlock/scoped_base_variants.h: P1→P2 allowed iff !parent; P2→P1 allowed iff !child. */
const BASE: Variant[] = [
  { name: 'without_domain', both: false, parent: false, child: false },
  { name: 'child_domain', both: false, parent: false, child: true },
  { name: 'parent_domain', both: false, parent: true, child: false },
  { name: 'sibling_domain', both: false, parent: true, child: true },
  { name: 'inherited_domain', both: true, parent: false, child: false },
  { name: 'nested_domain', both: true, parent: false, child: true },
  { name: 'nested_and_parent_domain', both: true, parent: true, child: false },
  { name: 'forked_domains', both: true, parent: true, child: true },
];

const F = 'scopecheck-scenario/1' as const;
const files: Record<string, Scenario> = {};
const put = (rel: string, s: Scenario) => {
  files[rel] = s;
};

type Restrict = Omit<Extract<Step, { op: 'restrict_self' }>, 'op' | 'by'>;

/**
 * The scoped_domains fixture: P0 is the selftests' P1 (parent), P1 their P2 (child).
 * `sandbox(point, enforced)` gives the restrict_self fields at a point, or null for none.
 */
function baseScenario(
  v: Variant,
  name: string,
  description: string,
  sandbox: (enforced: boolean) => Restrict | null,
  body: (expectP0toP1: string, expectP1toP0: string) => Step[],
  setup: Step[] = [],
  deny = 'EPERM',
): Scenario {
  const steps: Step[] = [...setup];
  const at = (by: string, enforced: boolean) => {
    const r = sandbox(enforced);
    if (r) steps.push({ op: 'restrict_self', by, ...r, expect: 'ok' });
  };
  at('P0', v.both);
  steps.push({ op: 'fork', by: 'P0', child: 'P1' });
  at('P0', v.parent);
  at('P1', v.child);
  steps.push(...body(v.parent ? deny : 'ok', v.child ? deny : 'ok'));
  return { format: F, name, description, steps };
}

/**
 * scoped_abstract_unix_test.c connect_to_parent / connect_to_child (and the seed patch's pathname
 * version): each process binds a stream and a dgram server at `at(name)`, then each connects
 * (stream, dgram) and sends (dgram) to the other's.
 */
function twoWayServers(at: (name: string) => Address, toChild: string, toParent: string): Step[] {
  const servers = (by: string, p: string): Step[] => [
    { op: 'socket', by, sock: `${p}_stream`, type: 'stream' },
    { op: 'bind', by, sock: `${p}_stream`, addr: at(`${p}_stream`) },
    { op: 'listen', by, sock: `${p}_stream` },
    { op: 'socket', by, sock: `${p}_dgram`, type: 'dgram' },
    { op: 'bind', by, sock: `${p}_dgram`, addr: at(`${p}_dgram`) },
  ];
  const clients = (by: string, p: string, to: string, expect: string): Step[] => [
    { op: 'socket', by, sock: `${p}_cli`, type: 'stream' },
    { op: 'connect', by, sock: `${p}_cli`, addr: at(`${to}_stream`), expect },
    { op: 'socket', by, sock: `${p}_dcli`, type: 'dgram' },
    { op: 'connect', by, sock: `${p}_dcli`, addr: at(`${to}_dgram`), expect },
    { op: 'socket', by, sock: `${p}_dsend`, type: 'dgram' },
    { op: 'sendto', by, sock: `${p}_dsend`, addr: at(`${to}_dgram`), expect },
  ];
  // P1 (child) → P0 (parent), then P0 (parent) → P1 (child)
  return [...servers('P0', 'p'), ...servers('P1', 'c'), ...clients('P1', 'c', 'p', toParent), ...clients('P0', 'p', 'c', toChild)];
}

const scoped = (bits: Restrict['scoped']) => (enforced: boolean): Restrict | null => (enforced ? { scoped: bits } : null);

for (const v of BASE) {
  const desc = (what: string) =>
    `scoped_domains.${v.name} (domain_both=${+v.both}, domain_parent=${+v.parent}, domain_child=${+v.child}): ${what}. P0 is the selftest's P1 (parent), P1 its P2 (child).`;

  // scoped_abstract_unix_test.c: connect_to_parent / connect_to_child, stream and dgram.
  put(
    `scoped_domains/abstract/${v.name}.json`,
    baseScenario(v, `abstract-${v.name}`, desc('abstract stream connect, dgram connect and dgram sendto in both directions'), scoped(['abstract_unix_socket']), (toChild, toParent) => twoWayServers((n) => ({ abstract: n }), toChild, toParent)),
  );

  // scoped_signal_test.c: check_access_signal, kill(other, 0).
  put(
    `scoped_domains/signal/${v.name}.json`,
    baseScenario(v, `signal-${v.name}`, desc('kill(other, 0) in both directions'), scoped(['signal']), (toChild, toParent) => [
      { op: 'kill', by: 'P1', target: 'P0', expect: toParent },
      { op: 'kill', by: 'P0', target: 'P1', expect: toChild },
      { op: 'kill', by: 'P0', target: 'P0', expect: 'ok' },
      { op: 'kill', by: 'P1', target: 'P1', expect: 'ok' },
    ]),
  );

  // The seed patch: the same matrix for pathname sockets with scope bit pathname_unix_socket.
  put(
    `scoped_domains/pathname_scope/${v.name}.json`,
    baseScenario(v, `pathname-scope-${v.name}`, desc('pathname stream connect, dgram connect and sendto under the seed patch\'s pathname_unix_socket scope'), scoped(['pathname_unix_socket']), (toChild, toParent) => twoWayServers((n) => ({ pathname: n }), toChild, toParent)),
  );

  // fs_test.c: unix_{stream,dgram,seqpacket}_connect_to_{parent,child}, unix_dgram_sendmsg_to_*,
  // plain (deny-all RESOLVE_UNIX domains) and _full (unsandboxed points get an allow-all domain).
  for (const full of [false, true]) {
    const sandbox = (enforced: boolean): Restrict | null =>
      enforced
        ? { handled_fs: ['resolve_unix'] }
        : full
          ? { handled_fs: ['resolve_unix'], rules: [{ path: 'd', access: ['resolve_unix'] }] }
          : null;
    const types = ['stream', 'seqpacket', 'dgram'] as const;
    put(
      `scoped_domains/resolve_unix/${v.name}${full ? '_full' : ''}.json`,
      baseScenario(
        v,
        `resolve-unix-${v.name}${full ? '-full' : ''}`,
        desc(
          `RESOLVE_UNIX: stream, seqpacket and dgram connect and dgram sendto in both directions${full ? '; every point without a domain in the variant enforces a RESOLVE_UNIX domain with an allow rule on the socket directory instead (ENFORCE_ALL)' : ''}`,
        ),
        sandbox,
        (toChild, toParent) => {
          const st: Step[] = [];
          for (const [srv, who] of [['p', 'P0'], ['c', 'P1']] as const)
            for (const t of types) {
              st.push({ op: 'socket', by: who, sock: `${srv}_${t}`, type: t });
              st.push({ op: 'bind', by: who, sock: `${srv}_${t}`, addr: { pathname: `d/${srv}_${t}` } });
              if (t !== 'dgram') st.push({ op: 'listen', by: who, sock: `${srv}_${t}` });
            }
          for (const [cli, who, srv, exp] of [['c', 'P1', 'p', toParent], ['p', 'P0', 'c', toChild]] as const) {
            for (const t of types) {
              st.push({ op: 'socket', by: who, sock: `${cli}_cli_${t}`, type: t });
              st.push({ op: 'connect', by: who, sock: `${cli}_cli_${t}`, addr: { pathname: `d/${srv}_${t}` }, expect: exp });
            }
            st.push({ op: 'socket', by: who, sock: `${cli}_send`, type: 'dgram' });
            st.push({ op: 'sendto', by: who, sock: `${cli}_send`, addr: { pathname: `d/${srv}_dgram` }, expect: exp });
          }
          return st;
        },
        [{ op: 'mkdir', by: 'P0', path: 'd', expect: 'ok' }],
        'EACCES',
      ),
    );
  }
}

// tools/testing/selftests/landlock/scoped_multiple_domain_variants.h: P3 → P2 allowed iff grand_child != SCOPE;
// P3 → P1 allowed iff that and children != SCOPE.
type D = 'NO' | 'SCOPE' | 'OTHER';
const MULTI: { name: string; all: D; parent: D; children: D; child: D; grand_child: D; toP2: boolean; toP1: boolean }[] = [
  { name: 'deny_scoped', all: 'OTHER', parent: 'NO', children: 'SCOPE', child: 'NO', grand_child: 'NO', toP2: true, toP1: false },
  { name: 'all_scoped', all: 'SCOPE', parent: 'NO', children: 'SCOPE', child: 'NO', grand_child: 'NO', toP2: true, toP1: false },
  { name: 'allow_with_other_domain', all: 'OTHER', parent: 'NO', children: 'OTHER', child: 'NO', grand_child: 'NO', toP2: true, toP1: true },
  { name: 'allow_with_one_domain', all: 'NO', parent: 'OTHER', children: 'NO', child: 'SCOPE', grand_child: 'NO', toP2: true, toP1: true },
  { name: 'allow_with_grand_parent_scoped', all: 'NO', parent: 'SCOPE', children: 'NO', child: 'OTHER', grand_child: 'NO', toP2: true, toP1: true },
  { name: 'allow_with_parents_domain', all: 'NO', parent: 'SCOPE', children: 'NO', child: 'SCOPE', grand_child: 'NO', toP2: true, toP1: true },
  { name: 'deny_with_self_and_grandparent_domain', all: 'NO', parent: 'SCOPE', children: 'NO', child: 'NO', grand_child: 'SCOPE', toP2: false, toP1: false },
];
for (const m of MULTI) {
  const steps: Step[] = [];
  const dom = (by: string, d: D) => {
    if (d === 'SCOPE') steps.push({ op: 'restrict_self', by, scoped: ['abstract_unix_socket'], expect: 'ok' });
    if (d === 'OTHER') steps.push({ op: 'restrict_self', by, handled_fs: ['read_dir'], expect: 'ok' });
  };
  dom('P0', m.all);
  steps.push({ op: 'fork', by: 'P0', child: 'P1' });
  dom('P0', m.parent);
  steps.push(
    { op: 'socket', by: 'P0', sock: 'p1_stream', type: 'stream' },
    { op: 'bind', by: 'P0', sock: 'p1_stream', addr: { abstract: 'p1_stream' } },
    { op: 'listen', by: 'P0', sock: 'p1_stream' },
    { op: 'socket', by: 'P0', sock: 'p1_dgram', type: 'dgram' },
    { op: 'bind', by: 'P0', sock: 'p1_dgram', addr: { abstract: 'p1_dgram' } },
  );
  dom('P1', m.children);
  steps.push({ op: 'fork', by: 'P1', child: 'P2' });
  dom('P1', m.child);
  steps.push(
    { op: 'socket', by: 'P1', sock: 'p2_stream', type: 'stream' },
    { op: 'bind', by: 'P1', sock: 'p2_stream', addr: { abstract: 'p2_stream' } },
    { op: 'listen', by: 'P1', sock: 'p2_stream' },
    { op: 'socket', by: 'P1', sock: 'p2_dgram', type: 'dgram' },
    { op: 'bind', by: 'P1', sock: 'p2_dgram', addr: { abstract: 'p2_dgram' } },
  );
  dom('P2', m.grand_child);
  const e = (b: boolean) => (b ? 'ok' : 'EPERM');
  steps.push(
    { op: 'socket', by: 'P2', sock: 's1', type: 'stream' },
    { op: 'connect', by: 'P2', sock: 's1', addr: { abstract: 'p2_stream' }, expect: e(m.toP2) },
    { op: 'socket', by: 'P2', sock: 'd1', type: 'dgram' },
    { op: 'connect', by: 'P2', sock: 'd1', addr: { abstract: 'p2_dgram' }, expect: e(m.toP2) },
    { op: 'socket', by: 'P2', sock: 's2', type: 'stream' },
    { op: 'connect', by: 'P2', sock: 's2', addr: { abstract: 'p1_stream' }, expect: e(m.toP1) },
    { op: 'socket', by: 'P2', sock: 'd2', type: 'dgram' },
    { op: 'connect', by: 'P2', sock: 'd2', addr: { abstract: 'p1_dgram' }, expect: e(m.toP1) },
  );
  put(`scoped_vs_unscoped/${m.name}.json`, {
    format: F,
    name: `scoped-vs-unscoped-${m.name}`,
    description: `scoped_vs_unscoped.${m.name} (all=${m.all}, parent=${m.parent}, children=${m.children}, child=${m.child}, grand_child=${m.grand_child}): the grandchild P2 connects (stream and dgram) to its parent P1's abstract servers, then to P0's. P0/P1/P2 are the selftest's P1/P2/P3.`,
    steps,
  });
}

// scoped_abstract_unix_test.c: outside_socket (its FIXTURE_VARIANTs).
for (const type of ['stream', 'dgram'] as const) {
  const last = (expect: string): Step =>
    type === 'stream'
      ? { op: 'connect', by: 'P1', sock: 'cli', addr: { abstract: 'srv' }, expect }
      : { op: 'connect', by: 'P1', sock: 'cli', addr: { abstract: 'srv' }, expect };
  const tail: Step[] = type === 'stream' ? [{ op: 'listen', by: 'P0', sock: 'srv' }] : [];
  put(`misc/outside_socket_allow_${type}_child.json`, {
    format: F,
    name: `outside-socket-allow-${type}-child`,
    description: `outside_socket.allow_${type}_child: the scoped child creates the server socket and passes it to the parent, which scopes itself (a sibling domain), binds and listens; the child's connect is allowed because the socket's domain is the child's.`,
    steps: [
      { op: 'fork', by: 'P0', child: 'P1' },
      { op: 'restrict_self', by: 'P1', scoped: ['abstract_unix_socket'], expect: 'ok' },
      { op: 'socket', by: 'P1', sock: 'srv', type },
      { op: 'pass', by: 'P1', sock: 'srv', to: 'P0' },
      { op: 'close', by: 'P1', sock: 'srv' },
      { op: 'restrict_self', by: 'P0', scoped: ['abstract_unix_socket'], expect: 'ok' },
      { op: 'bind', by: 'P0', sock: 'srv', addr: { abstract: 'srv' }, expect: 'ok' },
      ...tail,
      { op: 'socket', by: 'P1', sock: 'cli', type },
      last('ok'),
    ],
  });
  put(`misc/outside_socket_deny_${type}_server.json`, {
    format: F,
    name: `outside-socket-deny-${type}-server`,
    description: `outside_socket.deny_${type}_server: the parent creates the socket before scoping itself, so the socket has no domain; the scoped child is denied.`,
    steps: [
      { op: 'socket', by: 'P0', sock: 'srv', type },
      { op: 'fork', by: 'P0', child: 'P1' },
      { op: 'close', by: 'P1', sock: 'srv' },
      { op: 'restrict_self', by: 'P1', scoped: ['abstract_unix_socket'], expect: 'ok' },
      { op: 'restrict_self', by: 'P0', scoped: ['abstract_unix_socket'], expect: 'ok' },
      { op: 'bind', by: 'P0', sock: 'srv', addr: { abstract: 'srv' }, expect: 'ok' },
      ...tail,
      { op: 'socket', by: 'P1', sock: 'cli', type },
      last('EPERM'),
    ],
  });
}

// various_address_sockets {scoped, other, no domain}: only abstract targets are ever scoped.
const VARIOUS: [string, Restrict | null][] = [
  ['pathname_socket_scoped_domain', { scoped: ['abstract_unix_socket'] }],
  ['pathname_socket_other_domain', { handled_fs: ['read_dir'] }],
  ['pathname_socket_no_domain', null],
];
for (const [variant, r] of VARIOUS) {
  const deny = variant === 'pathname_socket_scoped_domain' ? 'EPERM' : 'ok';
  const steps: Step[] = [
    { op: 'socketpair', by: 'P0', socks: ['pair0', 'pair1'], type: 'dgram' },
    { op: 'socket', by: 'P0', sock: 'path_stream', type: 'stream' },
    { op: 'bind', by: 'P0', sock: 'path_stream', addr: { pathname: 'stream.sock' } },
    { op: 'listen', by: 'P0', sock: 'path_stream' },
    { op: 'socket', by: 'P0', sock: 'path_dgram', type: 'dgram' },
    { op: 'bind', by: 'P0', sock: 'path_dgram', addr: { pathname: 'dgram.sock' } },
    { op: 'socket', by: 'P0', sock: 'abs_stream', type: 'stream' },
    { op: 'bind', by: 'P0', sock: 'abs_stream', addr: { abstract: 'stream' } },
    { op: 'listen', by: 'P0', sock: 'abs_stream' },
    { op: 'socket', by: 'P0', sock: 'abs_dgram', type: 'dgram' },
    { op: 'bind', by: 'P0', sock: 'abs_dgram', addr: { abstract: 'dgram' } },
    { op: 'fork', by: 'P0', child: 'P1' },
  ];
  if (r) steps.push({ op: 'restrict_self', by: 'P1', ...r, expect: 'ok' });
  steps.push(
    { op: 'send', by: 'P1', sock: 'pair1', expect: 'ok' },
    { op: 'socket', by: 'P1', sock: 'c1', type: 'stream' },
    { op: 'connect', by: 'P1', sock: 'c1', addr: { pathname: 'stream.sock' }, expect: 'ok' },
    { op: 'send', by: 'P1', sock: 'c1', expect: 'ok' },
    { op: 'socket', by: 'P1', sock: 'c2', type: 'dgram' },
    { op: 'sendto', by: 'P1', sock: 'c2', addr: { pathname: 'dgram.sock' }, expect: 'ok' },
    { op: 'socket', by: 'P1', sock: 'c3', type: 'dgram' },
    { op: 'connect', by: 'P1', sock: 'c3', addr: { pathname: 'dgram.sock' }, expect: 'ok' },
    { op: 'send', by: 'P1', sock: 'c3', expect: 'ok' },
    { op: 'socket', by: 'P1', sock: 'c4', type: 'stream' },
    { op: 'connect', by: 'P1', sock: 'c4', addr: { abstract: 'stream' }, expect: deny },
    { op: 'socket', by: 'P1', sock: 'c5', type: 'dgram' },
    { op: 'sendto', by: 'P1', sock: 'c5', addr: { abstract: 'dgram' }, expect: deny },
    { op: 'socket', by: 'P1', sock: 'c6', type: 'dgram' },
    { op: 'connect', by: 'P1', sock: 'c6', addr: { abstract: 'dgram' }, expect: deny },
  );
  put(`misc/various_address_sockets_${variant}.json`, {
    format: F,
    name: `various-address-sockets-${variant.replaceAll('_', '-')}`,
    description: `various_address_sockets.${variant}: the child reaches the parent's unnamed, pathname and abstract sockets; only abstract ones are scoped.`,
    steps,
  });
}

put('misc/datagram_sockets.json', {
  format: F,
  name: 'datagram-sockets',
  description: 'datagram_sockets: a datagram socket connected before scoping keeps sending to its peer; sendto() to another abstract server is denied.',
  steps: [
    { op: 'socket', by: 'P0', sock: 'srv1', type: 'dgram' },
    { op: 'bind', by: 'P0', sock: 'srv1', addr: { abstract: 'srv1' } },
    { op: 'socket', by: 'P0', sock: 'srv2', type: 'dgram' },
    { op: 'bind', by: 'P0', sock: 'srv2', addr: { abstract: 'srv2' } },
    { op: 'fork', by: 'P0', child: 'P1' },
    { op: 'socket', by: 'P1', sock: 'conn', type: 'dgram' },
    { op: 'connect', by: 'P1', sock: 'conn', addr: { abstract: 'srv1' }, expect: 'ok' },
    { op: 'send', by: 'P1', sock: 'conn', expect: 'ok' },
    { op: 'socket', by: 'P1', sock: 'unconn', type: 'dgram' },
    { op: 'restrict_self', by: 'P1', scoped: ['abstract_unix_socket'], expect: 'ok' },
    { op: 'send', by: 'P1', sock: 'conn', expect: 'ok' },
    { op: 'sendto', by: 'P1', sock: 'conn', addr: { abstract: 'srv1' }, expect: 'ok' },
    { op: 'sendto', by: 'P1', sock: 'unconn', addr: { abstract: 'srv2' }, expect: 'EPERM' },
  ],
});

put('misc/self_connect.json', {
  format: F,
  name: 'self-connect',
  description: 'self_connect: the parent binds two abstract datagram sockets; the child inherits them and scopes itself; it is denied its own inherited sockets.',
  steps: [
    { op: 'socket', by: 'P0', sock: 'a', type: 'dgram' },
    { op: 'bind', by: 'P0', sock: 'a', addr: { abstract: 'a' } },
    { op: 'socket', by: 'P0', sock: 'b', type: 'dgram' },
    { op: 'bind', by: 'P0', sock: 'b', addr: { abstract: 'b' } },
    { op: 'fork', by: 'P0', child: 'P1' },
    { op: 'restrict_self', by: 'P1', scoped: ['abstract_unix_socket'], expect: 'ok' },
    { op: 'connect', by: 'P1', sock: 'a', addr: { abstract: 'a' }, expect: 'EPERM' },
    { op: 'sendto', by: 'P1', sock: 'a', addr: { abstract: 'a' }, expect: 'EPERM' },
    { op: 'sendto', by: 'P1', sock: 'b', addr: { abstract: 'b' }, expect: 'EPERM' },
  ],
});

put('misc/scoping_signals.json', {
  format: F,
  name: 'scoping-signals',
  description: 'scoping_signals: kill(parent) works before scoping and is denied after; signalling oneself always works.',
  steps: [
    { op: 'fork', by: 'P0', child: 'P1' },
    { op: 'kill', by: 'P1', target: 'P0', signal: 'SIGUSR1', expect: 'ok' },
    { op: 'restrict_self', by: 'P1', scoped: ['signal'], expect: 'ok' },
    { op: 'kill', by: 'P1', target: 'P0', signal: 'SIGUSR1', expect: 'EPERM' },
    { op: 'kill', by: 'P1', target: 'P1', signal: 'SIGUSR1', expect: 'ok' },
    { op: 'tgkill', by: 'P1', target: 'P1', expect: 'ok' },
  ],
});

for (const when of ['before', 'after'] as const) {
  const steps: Step[] =
    when === 'before'
      ? [
          { op: 'thread', by: 'P0', child: 'T1' },
          { op: 'restrict_self', by: 'P0', scoped: ['signal'], expect: 'ok' },
        ]
      : [
          { op: 'restrict_self', by: 'P0', scoped: ['signal'], expect: 'ok' },
          { op: 'thread', by: 'P0', child: 'T1' },
        ];
  steps.push({ op: 'tgkill', by: 'P0', target: 'T1', signal: 'SIGUSR1', expect: 'ok' });
  steps.push({ op: 'tgkill', by: 'T1', target: 'P0', signal: 'SIGUSR1', expect: 'ok' });
  put(`misc/signal_scoping_thread_${when}.json`, {
    format: F,
    name: `signal-scoping-thread-${when}`,
    description: `signal_scoping_thread_${when}: a thread created ${when} the restriction is signalled with tgkill (pthread_kill): always allowed within one process (erratum 2).`,
    steps,
  });
}

{
  const steps: Step[] = [{ op: 'fork', by: 'P0', child: 'P1' }];
  for (let i = 0; i < 16; i++) {
    steps.push({ op: 'restrict_self', by: 'P1', scoped: ['signal'], expect: 'ok' });
    steps.push({ op: 'kill', by: 'P1', target: 'P0', expect: 'EPERM' });
  }
  steps.push({ op: 'restrict_self', by: 'P1', scoped: ['signal'], expect: 'E2BIG' });
  steps.push({ op: 'kill', by: 'P1', target: 'P1', expect: 'ok' });
  put('misc/layers_limit.json', {
    format: F,
    name: 'layers-limit',
    description: 'audit.layers: 16 nested signal-scoped layers, each denied kill(getppid(), 0); the 17th landlock_restrict_self() gives E2BIG.',
    steps,
  });
}

put('released/ruleset_with_unknown_scope.json', {
  format: F,
  name: 'ruleset-with-unknown-scope',
  description: 'ruleset_with_unknown_scope: scope bit 1<<2 (the seed patch\'s pathname_unix_socket) is unknown to every released kernel: EINVAL; an empty ruleset is ENOMSG.',
  steps: [
    { op: 'restrict_self', by: 'P0', scoped: ['pathname_unix_socket'], expect: 'EINVAL' },
    { op: 'restrict_self', by: 'P0', expect: 'ENOMSG' },
    { op: 'restrict_self', by: 'P0', scoped: ['abstract_unix_socket', 'signal'], expect: 'ok' },
  ],
});

// ---- Format 1.1: the rest of the scoping surface ----

// scoped_signal_test.c: fown {no_sandbox, sandbox_before_fork, sandbox_before_setown,
// sandbox_after_setown}, test sigurg_socket: the parent accepts the child's connection, sets the
// child as owner of the accepted socket (F_SETOWN), the child sends an out-of-band byte: SIGURG
// reaches it except when the parent sandboxed itself before F_SETOWN.
for (const sandbox of ['no_sandbox', 'sandbox_before_fork', 'sandbox_before_setown', 'sandbox_after_setown'] as const) {
  const r = (when: typeof sandbox): Step[] => (sandbox === when ? [{ op: 'restrict_self', by: 'P0', scoped: ['signal'], expect: 'ok' }] : []);
  put(`scoped_signal/fown/${sandbox}.json`, {
    format: F,
    name: `fown-${sandbox.replaceAll('_', '-')}`,
    description: `fown.${sandbox} (sigurg_socket): the parent P0 sets its forked child P1 as the owner of the socket it accepted from P1; P1 sends an out-of-band byte and gets SIGURG unless P0 sandboxed itself (scoped signal) before F_SETOWN: the domain is the one recorded at F_SETOWN.`,
    steps: [
      ...r('sandbox_before_fork'),
      { op: 'fork', by: 'P0', child: 'P1' },
      { op: 'socket', by: 'P0', sock: 'srv', type: 'stream' },
      { op: 'bind', by: 'P0', sock: 'srv', addr: { abstract: 'fown' } },
      { op: 'listen', by: 'P0', sock: 'srv' },
      { op: 'socket', by: 'P1', sock: 'cli', type: 'stream' },
      { op: 'connect', by: 'P1', sock: 'cli', addr: { abstract: 'fown' }, expect: 'ok' },
      { op: 'accept', by: 'P0', sock: 'srv', new: 'rcv', expect: 'ok' },
      ...r('sandbox_before_setown'),
      { op: 'setown', by: 'P0', sock: 'rcv', owner: { process: 'P1' }, expect: 'ok' },
      ...r('sandbox_after_setown'),
      { op: 'send', by: 'P1', sock: 'cli', oob: true, expect: 'ok' },
      { op: 'await_signal', by: 'P1', signal: 'SIGURG', expect: sandbox === 'sandbox_before_setown' ? 'EAGAIN' : 'ok' },
    ],
  });
}

// scoped_signal_test.c: sigio_to_pgid_members. The test process (here P1, not a session leader)
// leads a new group; its forked child P2 (the group's newest member) sandboxes itself and makes
// the group the owner of a socket (F_SETSIG SIGURG), then makes it readable: P2 is signalled,
// its unsandboxed parent is not. (Kernels without the process-group fix recorded nothing here
// and signalled the parent: a LANDLOCK_SCOPE_SIGNAL bypass.)
put('scoped_signal/pgid/sigio_to_pgid_members.json', {
  format: F,
  name: 'sigio-to-pgid-members',
  description: 'sigio_to_pgid_members: P2, sandboxed, owns a socket for its whole process group (with its unsandboxed parent P1); a readiness signal reaches P2 and never P1, which is outside P2\'s domain.',
  steps: [
    { op: 'fork', by: 'P0', child: 'P1' },
    { op: 'setpgid', by: 'P1', expect: 'ok' },
    { op: 'fork', by: 'P1', child: 'P2' },
    { op: 'restrict_self', by: 'P2', scoped: ['signal'], expect: 'ok' },
    { op: 'socketpair', by: 'P2', socks: ['trig0', 'trig1'], type: 'stream' },
    { op: 'setown', by: 'P2', sock: 'trig0', owner: { pgrp: 'P2' }, signal: 'SIGURG', expect: 'ok' },
    { op: 'send', by: 'P2', sock: 'trig1', expect: 'ok' },
    { op: 'await_signal', by: 'P2', signal: 'SIGURG', expect: 'ok' },
    { op: 'await_signal', by: 'P1', signal: 'SIGURG', expect: 'EAGAIN' },
  ],
});

// scoped_signal_test.c: sigio_to_pgid_self. A non-leader thread sandboxes only itself and makes
// its process group the owner; the unsandboxed leader of its own process is signalled.
put('scoped_signal/misc/sigio_to_pgid_self.json', {
  format: F,
  name: 'sigio-to-pgid-self',
  description: 'sigio_to_pgid_self: thread T1 of P1 sandboxes itself and owns a socket for its process group; the readiness signal reaches P1\'s unsandboxed leader: delivery to the owner\'s own process is always allowed.',
  steps: [
    { op: 'fork', by: 'P0', child: 'P1' },
    { op: 'setpgid', by: 'P1', expect: 'ok' },
    { op: 'thread', by: 'P1', child: 'T1' },
    { op: 'restrict_self', by: 'T1', scoped: ['signal'], expect: 'ok' },
    { op: 'socketpair', by: 'T1', socks: ['trig0', 'trig1'], type: 'stream' },
    { op: 'setown', by: 'T1', sock: 'trig0', owner: { pgrp: 'P1' }, signal: 'SIGURG', expect: 'ok' },
    { op: 'send', by: 'T1', sock: 'trig1', expect: 'ok' },
    { op: 'await_signal', by: 'P1', signal: 'SIGURG', expect: 'ok' },
  ],
});

// ptrace_test.c: scoped_domains (scoped_base_variants.h, the hierarchy fixture of older trees),
// test trace: fs-only domains (handled make_block). The child reads /proc/<parent>/environ,
// attaches to the parent, asks its parent to trace it (PTRACE_TRACEME); the parent reads the
// child's environ and attaches to it. Parent → child allowed iff !domain_parent; child → parent
// iff !domain_child; TRACEME (the parent traces) iff !domain_parent. Reads fail with EACCES,
// attach and TRACEME with EPERM. (Yama, where present, is off: ptrace_scope 0.)
for (const v of BASE) {
  const steps: Step[] = [];
  const at = (by: string, on: boolean) => {
    if (on) steps.push({ op: 'restrict_self', by, handled_fs: ['make_block'], expect: 'ok' });
  };
  at('P0', v.both);
  steps.push({ op: 'fork', by: 'P0', child: 'P1' });
  at('P0', v.parent);
  at('P1', v.child);
  const c = v.child;
  const p = v.parent;
  steps.push(
    { op: 'ptrace', by: 'P1', target: 'P0', mode: 'read', expect: c ? 'EACCES' : 'ok' },
    { op: 'ptrace', by: 'P1', target: 'P0', mode: 'attach', expect: c ? 'EPERM' : 'ok' },
    { op: 'ptrace_traceme', by: 'P1', expect: p ? 'EPERM' : 'ok' },
    { op: 'ptrace', by: 'P0', target: 'P1', mode: 'read', expect: p ? 'EACCES' : 'ok' },
    { op: 'ptrace', by: 'P0', target: 'P1', mode: 'attach', expect: p ? 'EPERM' : 'ok' },
  );
  put(`ptrace/scoped_domains/${v.name}.json`, {
    format: F,
    name: `ptrace-${v.name.replaceAll('_', '-')}`,
    description: `ptrace_test.c scoped_domains.${v.name} (domain_both=${+v.both}, domain_parent=${+v.parent}, domain_child=${+v.child}), test trace, with fs-only domains (ptrace needs no scope flag): /proc reads EACCES, attach and PTRACE_TRACEME EPERM when denied. P0 is the selftest's parent, P1 its child.`,
    steps,
  });
}

// ---- audit_test.c and scoped_abstract_unix_test.c scoped_audit: the records the selftests expect ----
const ACCESS = (d: number, blockers: string, obj: string) => `AUDIT_LANDLOCK_ACCESS domain=D${d} blockers=${blockers} ${obj}`;
const ALLOCATED = (d: number) => `AUDIT_LANDLOCK_DOMAIN domain=D${d} status=allocated`;
const FREED = (d: number, n: number) => `AUDIT_LANDLOCK_DOMAIN domain=D${d} status=deallocated denials=${n}`;

{
  // audit.layers: 16 nested signal-scoped layers, each kill(getppid(), 0) EPERM logged under the
  // new domain (which is allocated then); a 17th layer E2BIG; every domain freed with 1 denial.
  const steps: Step[] = [{ op: 'fork', by: 'P0', child: 'P1', expect: 'ok' }];
  for (let d = 1; d <= 16; d++)
    steps.push(
      { op: 'restrict_self', by: 'P1', scoped: ['signal'], expect: 'ok' },
      { op: 'kill', by: 'P1', target: 'P0', signal: 0, expect: 'EPERM', expect_audit: [ACCESS(d, 'scope.signal', 'opid=P0'), ALLOCATED(d)] },
    );
  steps.push({ op: 'restrict_self', by: 'P1', scoped: ['signal'], expect: 'E2BIG' }, { op: 'exit', by: 'P1', expect: 'ok' });
  put('audit/layers/layers.json', {
    format: F,
    name: 'audit-layers',
    description: 'audit_test.c audit.layers: 16 nested signal-scoped layers; in each, kill(getppid(), 0) is EPERM and logged under the newest domain, allocated then; a 17th layer is E2BIG; each domain is freed with denials=1. P0 is the selftest\'s parent, P1 its child.',
    steps,
    expect_audit_freed: Array.from({ length: 16 }, (_, i) => FREED(i + 1, 1)),
  });
}

// audit_flags.signal {default, same_exec_off, subdomains_off, cross_exec_on, signal_quieted}: the
// child's first kill is logged (access + allocated) unless LOG_SAME_EXEC_OFF or quiet_scoped
// signal; the second only adds an access record; the domain is freed with denials=2 when it was logged.
for (const [variant, flags, quiet] of [
  ['default', [], false],
  ['same_exec_off', ['same_exec_off'], false],
  ['subdomains_off', ['subdomains_off'], false],
  ['cross_exec_on', ['new_exec_on'], false],
  ['signal_quieted', [], true],
] as const) {
  const logged = !(flags as readonly string[]).includes('same_exec_off') && !quiet;
  put(quiet ? `audit/quiet/flags_${variant}.json` : `audit/flags/${variant}.json`, {
    format: F,
    name: `audit-flags-${variant.replaceAll('_', '-')}`,
    description: `audit_test.c audit_flags.signal, variant ${variant} (restrict_flags ${flags.length ? flags.join('|') : '0'}${quiet ? ', quiet_scoped = LANDLOCK_SCOPE_SIGNAL' : ''}): two kill(getppid(), 0) by the scoped child${logged ? ', the first logged with its domain, the second once more' : ', neither logged'}. P0 is the selftest's parent, P1 its child.`,
    steps: [
      { op: 'fork', by: 'P0', child: 'P1', expect: 'ok' },
      { op: 'restrict_self', by: 'P1', scoped: ['signal'], ...(flags.length ? { log: [...flags] } : {}), ...(quiet ? { quiet_scoped: ['signal' as const] } : {}), expect: 'ok' },
      { op: 'kill', by: 'P1', target: 'P0', signal: 0, expect: 'EPERM', expect_audit: logged ? [ACCESS(1, 'scope.signal', 'opid=P0'), ALLOCATED(1)] : [] },
      { op: 'kill', by: 'P1', target: 'P0', signal: 0, expect: 'EPERM', expect_audit: logged ? [ACCESS(1, 'scope.signal', 'opid=P0')] : [] },
      { op: 'exit', by: 'P1', expect: 'ok' },
    ],
    expect_audit_freed: logged ? [FREED(1, 2)] : [],
  });
}

// audit_exec.signal_and_open {default, same_exec_off, subdomains_off, cross_exec_on,
// subdomains_off_and_cross_exec_on}: layer1 (signal) then execve; the new program's kill is
// blamed on layer1 and logged only with LOG_NEW_EXEC_ON; it adds layer2 (fs: read_dir) and kills
// again (still layer1's); then layer3 (signal) and kills: blamed on layer3, created by this
// program, logged unless LOG_SUBDOMAINS_OFF was set before it. (The selftest's open("/") denied by
// layer2 is not in the scenario language.)
for (const [variant, flags] of [
  ['default', []],
  ['same_exec_off', ['same_exec_off']],
  ['subdomains_off', ['subdomains_off']],
  ['cross_exec_on', ['new_exec_on']],
  ['subdomains_off_and_cross_exec_on', ['subdomains_off', 'new_exec_on']],
] as const) {
  const f = flags as readonly string[];
  const l1 = f.includes('new_exec_on');
  const l3 = !f.includes('subdomains_off');
  put(`audit/exec/${variant}.json`, {
    format: F,
    name: `audit-exec-${variant.replaceAll('_', '-')}`,
    description: `audit_test.c audit_exec.signal_and_open, variant ${variant} (restrict_flags ${f.length ? f.join('|') : '0'}), its signal part: denials of layer1 after execve are logged only with LOG_NEW_EXEC_ON; layer3, created after the exec, is logged unless LOG_SUBDOMAINS_OFF. P0 is the selftest's parent, P1 its child (wait-pipe-sandbox after the exec).`,
    steps: [
      { op: 'fork', by: 'P0', child: 'P1', expect: 'ok' },
      { op: 'restrict_self', by: 'P1', scoped: ['signal'], ...(f.length ? { log: [...flags] } : {}), expect: 'ok' },
      { op: 'exec', by: 'P1', expect: 'ok', expect_audit: [] },
      { op: 'kill', by: 'P1', target: 'P0', signal: 0, expect: 'EPERM', expect_audit: l1 ? [ACCESS(1, 'scope.signal', 'opid=P0'), ALLOCATED(1)] : [] },
      { op: 'restrict_self', by: 'P1', handled_fs: ['read_dir'], expect: 'ok' },
      { op: 'kill', by: 'P1', target: 'P0', signal: 0, expect: 'EPERM', expect_audit: l1 ? [ACCESS(1, 'scope.signal', 'opid=P0')] : [] },
      { op: 'restrict_self', by: 'P1', scoped: ['signal'], expect: 'ok' },
      { op: 'kill', by: 'P1', target: 'P0', signal: 0, expect: 'EPERM', expect_audit: l3 ? [ACCESS(3, 'scope.signal', 'opid=P0'), ALLOCATED(3)] : [] },
      { op: 'exit', by: 'P1', expect: 'ok' },
    ],
    expect_audit_freed: [...(l1 ? [FREED(1, 2)] : []), ...(l3 ? [FREED(3, 1)] : [])],
  });
}

// scoped_abstract_unix_test.c scoped_audit.connect_to_child {no_quiet, quiet_abstract_socket,
// quiet_abstract_socket_2 (both bits quiet), quiet_unrelated (only SIGNAL quiet)}: the scoped
// parent connects a datagram socket to the child's abstract socket: EPERM, logged with the
// socket's path unless quiet_scoped has the abstract bit.
for (const [variant, scopedBits, quiet] of [
  ['no_quiet', ['abstract_unix_socket'], []],
  ['quiet_abstract_socket', ['abstract_unix_socket'], ['abstract_unix_socket']],
  ['quiet_abstract_socket_2', ['abstract_unix_socket', 'signal'], ['abstract_unix_socket', 'signal']],
  ['quiet_unrelated', ['abstract_unix_socket', 'signal'], ['signal']],
] as const) {
  const logged = !(quiet as readonly string[]).includes('abstract_unix_socket');
  put(quiet.length ? `audit/quiet/scoped_audit_${variant}.json` : `audit/scoped_audit/${variant}.json`, {
    format: F,
    name: `scoped-audit-${variant.replaceAll('_', '-')}`,
    description: `scoped_abstract_unix_test.c scoped_audit.connect_to_child, variant ${variant} (scoped ${scopedBits.join('|')}, quiet_scoped ${quiet.length ? quiet.join('|') : '0'}): the scoped parent's datagram connect to the child's abstract socket is EPERM${logged ? ', logged with the socket\'s path' : ', not logged'}. P0 is the selftest's parent, P1 its child.`,
    steps: [
      { op: 'fork', by: 'P0', child: 'P1', expect: 'ok' },
      { op: 'socket', by: 'P1', sock: 'srv', type: 'dgram', expect: 'ok' },
      { op: 'bind', by: 'P1', sock: 'srv', addr: { abstract: 'scoped_audit' }, expect: 'ok' },
      { op: 'restrict_self', by: 'P0', scoped: [...scopedBits], quiet_scoped: [...quiet].length ? [...quiet] : undefined, expect: 'ok' } as Step,
      { op: 'socket', by: 'P0', sock: 'cli', type: 'dgram', expect: 'ok' },
      { op: 'connect', by: 'P0', sock: 'cli', addr: { abstract: 'scoped_audit' }, expect: 'EPERM', expect_audit: logged ? [ACCESS(1, 'scope.abstract_unix_socket', 'path=@scoped_audit'), ALLOCATED(1)] : [] },
    ],
    expect_audit_freed: logged ? [FREED(1, 1)] : [],
  });
}

rmSync(ROOT, { recursive: true, force: true });
for (const [rel, s] of Object.entries(files)) {
  const p = join(ROOT, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, `${JSON.stringify(s, null, 2)}\n`);
}
console.log(`wrote ${Object.keys(files).length} scenario files under ${ROOT}`);
