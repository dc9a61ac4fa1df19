/**
 * The fleet questions of `npm run bench`: each is one tool call, with its arguments in one place, and the names a
 * complete answer holds, computed from the simulator's own list. A question is answered the best way the gateway
 * offers: the fleet filters with a names or counts answer (docs/fleet.md).
 */

/** One application as the simulator lists it, reduced to what the questions read. */
export interface FleetApp {
  name: string;
  project: string;
  /** spec.destination: by server URL, or by cluster name (about a fifth of the fleet). */
  server?: string;
  cluster?: string;
  sync: string;
  health: string;
}

/** What the questions are about, picked from the fleet so that each has a sizeable answer. */
export interface FleetPick {
  /** The project with the most applications. */
  project: string;
  /** The cluster with the most applications, by both of its names. */
  cluster: { name: string; server: string };
  /** A fragment of application names (a service name the fleet repeats across teams and clusters). */
  fragment: string;
}

export interface FleetQuestion {
  question: string;
  tool: string;
  args: (pick: FleetPick) => Record<string, unknown>;
  /** The application names a complete answer names. */
  expectedFrom: (apps: FleetApp[], pick: FleetPick) => string[];
}

const names = (apps: FleetApp[]) => apps.map((a) => a.name);
const onCluster = (a: FleetApp, c: FleetPick['cluster']) => a.server === c.server || a.cluster === c.name;

export const fleetQuestions: FleetQuestion[] = [
  {
    question: 'OutOfSync apps',
    tool: 'application_list',
    args: () => ({ syncStatus: 'OutOfSync', answer: 'names' }),
    expectedFrom: (apps) => names(apps.filter((a) => a.sync === 'OutOfSync')),
  },
  {
    question: 'Degraded apps',
    tool: 'application_list',
    args: () => ({ healthStatus: 'Degraded', answer: 'names' }),
    expectedFrom: (apps) => names(apps.filter((a) => a.health === 'Degraded')),
  },
  {
    question: 'health of one project',
    tool: 'application_list',
    args: (p) => ({ projects: [p.project], answer: 'counts', groupBy: 'health' }),
    expectedFrom: (apps, p) => names(apps.filter((a) => a.project === p.project)),
  },
  {
    question: 'apps whose name contains a fragment',
    tool: 'application_list',
    args: (p) => ({ nameMatch: p.fragment, answer: 'names' }),
    expectedFrom: (apps, p) => names(apps.filter((a) => a.name.includes(p.fragment))),
  },
  {
    question: 'apps on one cluster',
    tool: 'application_list',
    args: (p) => ({ cluster: p.cluster.name, answer: 'names' }),
    expectedFrom: (apps, p) => names(apps.filter((a) => onCluster(a, p.cluster))),
  },
];

const mostCommon = (values: string[]): string => {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? '';
};

/** The project and cluster with the most applications, and a fragment that `fragment` names if given. */
export function pickFrom(apps: FleetApp[], clusters: Array<{ name: string; server: string }>, fragment = 'api'): FleetPick {
  const byServer = new Map(clusters.map((c) => [c.server, c]));
  const byName = new Map(clusters.map((c) => [c.name, c]));
  const serverOf = (a: FleetApp) => a.server ?? byName.get(a.cluster ?? '')?.server ?? '';
  const server = mostCommon(apps.map(serverOf).filter((s) => s !== ''));
  const cluster = byServer.get(server) ?? { name: '', server };
  return { project: mostCommon(apps.map((a) => a.project)), cluster: { name: cluster.name, server: cluster.server }, fragment };
}
