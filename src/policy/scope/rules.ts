/**
 * What "inside the scope" means for each kind of Argo CD object, as pure predicates over the object's JSON.
 * Each answers `undefined` when the object is inside, or the reason it is not (for the refusal message).
 *
 * - Application: `spec.project` (empty means `default`) in `projects`; `metadata.namespace` in `namespaces`;
 *   `spec.destination` in `clusters` (see {@link destinationOutside}).
 * - ApplicationSet: the project of its template and of every generator's template override in `projects`;
 *   `metadata.namespace` in `namespaces`; the template's destination in `clusters` (a templated one cannot be).
 * - AppProject: its name in `projects`.
 * - Cluster: under `projects`, a cluster scoped to one of them (`project`); under `clusters`, its server URL or name.
 * - Repository: under `projects`, a repository scoped to one of them (`project`). Credential templates (repocreds)
 *   belong to no project, so `projects` leaves them out of reach.
 * `namespaces` only concerns Applications and ApplicationSets: projects, clusters and repositories live in Argo CD's
 * own namespace whatever the scope says.
 */

export interface ScopeSets {
  projects?: ReadonlySet<string>;
  namespaces?: ReadonlySet<string>;
  clusters?: ReadonlySet<string>;
}

type Json = Record<string, unknown>;

/** A destination cluster as Argo CD knows it, once `destination.name` or `destination.server` was looked up. */
export interface KnownCluster {
  server?: string;
  name?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

/** The project Argo CD files an application under: an empty `spec.project` means `default` (`Spec.GetProject`). */
export function appProjectOf(app: unknown): string {
  return str(obj(obj(app).spec).project) ?? 'default';
}

export function namespaceOf(object: unknown): string | undefined {
  return str(obj(obj(object).metadata).namespace);
}

export function nameOf(object: unknown): string | undefined {
  return str(obj(obj(object).metadata).name);
}

export function destinationOf(app: unknown): KnownCluster {
  const d = obj(obj(obj(app).spec).destination);
  return { server: str(d.server), name: str(d.name) };
}

const quoteList = (items: Iterable<string>) => [...items].map((i) => `"${i}"`).join(', ');

/**
 * A `clusters:` entry matches a cluster by its server URL or by its name. A destination names one of the two
 * (Argo CD accepts either); `resolved` is the cluster Argo CD resolves it to, so an entry given as a URL also
 * admits a destination given by name and the other way round.
 */
export function destinationOutside(clusters: ReadonlySet<string>, dest: KnownCluster, resolved?: KnownCluster): string | undefined {
  const ids = [dest.server, dest.name, resolved?.server, resolved?.name].filter((v): v is string => !!v);
  if (ids.some((id) => clusters.has(id))) return undefined;
  const said = dest.server ?? dest.name;
  return said ? `its destination cluster "${said}" is not one of ${quoteList(clusters)}` : `it names no destination cluster (clusters ${quoteList(clusters)})`;
}

/** Why an application is outside the scope, or undefined. A missing namespace is judged by the caller. */
export function appOutside(sets: ScopeSets, app: unknown, resolved?: KnownCluster): string | undefined {
  const project = appProjectOf(app);
  if (sets.projects && !sets.projects.has(project)) return `its project "${project}" is not one of ${quoteList(sets.projects)}`;
  const ns = namespaceOf(app);
  if (sets.namespaces && ns && !sets.namespaces.has(ns)) return `its namespace "${ns}" is not one of ${quoteList(sets.namespaces)}`;
  if (sets.clusters) return destinationOutside(sets.clusters, destinationOf(app), resolved);
  return undefined;
}

/** Every template of an ApplicationSet: the main one and the generators' overrides (nested matrix/merge too). */
function appsetTemplates(set: unknown): Json[] {
  const spec = obj(obj(set).spec);
  const out: Json[] = [obj(spec.template)];
  const walk = (generators: unknown) => {
    if (!Array.isArray(generators)) return;
    for (const g of generators) {
      for (const inner of Object.values(obj(g))) {
        const o = obj(inner);
        if (o.template) out.push(obj(o.template));
        walk(o.generators);
      }
    }
  };
  walk(spec.generators);
  return out;
}

/** Why an ApplicationSet is outside the scope, or undefined. */
export function appsetOutside(sets: ScopeSets, set: unknown, resolved?: KnownCluster): string | undefined {
  const templates = appsetTemplates(set);
  if (sets.projects) {
    // The main template's project is required (Argo CD refuses a templated one: applicationset.go validateAppSet);
    // an override's empty project keeps the main one.
    for (const [i, t] of templates.entries()) {
      const project = str(obj(t.spec).project) ?? (i === 0 ? 'default' : undefined);
      if (project !== undefined && !sets.projects.has(project)) return `its template's project "${project}" is not one of ${quoteList(sets.projects)}`;
    }
    const patch = str(obj(obj(set).spec).templatePatch);
    if (patch && /\bproject\b/.test(patch)) return 'its templatePatch may set the project, which cannot be checked before the ApplicationSet generates';
  }
  const ns = namespaceOf(set);
  if (sets.namespaces && ns && !sets.namespaces.has(ns)) return `its namespace "${ns}" is not one of ${quoteList(sets.namespaces)}`;
  if (sets.clusters) {
    for (const [i, t] of templates.entries()) {
      const dest = destinationOf(t);
      if (i > 0 && !dest.server && !dest.name) continue;
      const outside = destinationOutside(sets.clusters, dest, i === 0 ? resolved : undefined);
      if (outside) return `its template: ${outside}`;
    }
  }
  return undefined;
}

export function projectOutside(sets: ScopeSets, name: string | undefined): string | undefined {
  if (!sets.projects) return undefined;
  if (name === undefined) return 'it names no project';
  return sets.projects.has(name) ? undefined : `project "${name}" is not one of ${quoteList(sets.projects)}`;
}

/** Why a cluster (Argo CD's Cluster object) is outside the scope, or undefined. */
export function clusterOutside(sets: ScopeSets, cluster: unknown): string | undefined {
  const c = obj(cluster);
  if (sets.projects) {
    const project = str(c.project);
    if (!project) return `it is a global cluster, not one scoped to ${quoteList(sets.projects)}`;
    if (!sets.projects.has(project)) return `it is scoped to project "${project}", not one of ${quoteList(sets.projects)}`;
  }
  if (sets.clusters) return destinationOutside(sets.clusters, { server: str(c.server), name: str(c.name) });
  return undefined;
}

/** Why a repository (Argo CD's Repository object) is outside the scope, or undefined. */
export function repositoryOutside(sets: ScopeSets, repository: unknown): string | undefined {
  if (!sets.projects) return undefined;
  const project = str(obj(repository).project);
  if (!project) return `it is a global repository, not one scoped to ${quoteList(sets.projects)}`;
  return sets.projects.has(project) ? undefined : `it is scoped to project "${project}", not one of ${quoteList(sets.projects)}`;
}

/** Credential templates have no project: under `projects` they are out of reach. */
export function repoCredsOutside(sets: ScopeSets): string | undefined {
  return sets.projects ? `repository credential templates belong to no project (projects ${quoteList(sets.projects)})` : undefined;
}
