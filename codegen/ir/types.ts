/**
 * The generator's intermediate representation: plain data, one IrOperation per Swagger operation.
 * Every Argo CD quirk (body parameter, dotted names, collectionFormat, URL-valued path params, streams)
 * is settled here once; emitters and the runtime never look at the Swagger document again.
 */

/** The same plain types the catalogue uses (the generator writes what src/catalogue/types.ts describes). */
export type { HttpMethod, JsonSchema } from '../../src/catalogue/types.ts';
import type { HttpMethod, JsonSchema } from '../../src/catalogue/types.ts';

/** One tool argument that maps to a path or query parameter. */
export interface IrParam {
  /** Argument name the agent uses (`sinceTimeSeconds`). */
  arg: string;
  /** Parameter name on the wire (`sinceTime.seconds`, `{application.metadata.name}`). */
  wire: string;
  required: boolean;
  /** Repeated query parameter (`collectionFormat: multi`): `projects=a&projects=b`. */
  multi: boolean;
  /** Path params only: where the same value lives in the request body, when it does. */
  bodyPath?: string[];
  /** The value may be a URL (repository, cluster server): encoded into one path segment. */
  urlValued?: boolean;
  schema: JsonSchema;
  description?: string;
}

/**
 * How the tool's arguments form the request body.
 * - `merged`: the body is the whole request message (grpc-gateway `body: "*"`); its top-level fields are
 *   tool arguments, and a field that is also a path parameter is one argument sent in both places.
 * - `object`: the body is one message field (an Application, a Cluster...), passed as one object argument.
 * - `string`: the body is one string field sent as a JSON string.
 */
export type IrBody =
  | { kind: 'merged'; fields: string[]; required: string[]; ref: string }
  | { kind: 'object'; arg: string; required: boolean; ref: string }
  | { kind: 'string'; arg: string; required: boolean };

export interface IrOperation {
  operationId: string;
  toolName: string;
  toolset: string;
  tag: string;
  title: string;
  summary: string;
  method: HttpMethod;
  path: string;
  params: { path: IrParam[]; query: IrParam[] };
  body?: IrBody;
  /** NDJSON stream response (`Stream result of ...`): watch endpoints and pod logs. */
  stream?: 'watch' | 'logs';
  readOnly: boolean;
  destructive: boolean;
  idempotent: boolean;
  /** Full-depth input schema: `$ref`s point at `#/definitions/...` of the shared definitions. */
  fullInputSchema: JsonSchema;
  /** Small advertised input schema for tools/list. */
  compactInputSchema: JsonSchema;
  /** Definition name of the 200 response schema, when it is a named object. */
  responseRef?: string;
  /** The response is a list (`items` array): the gateway pages it with limit/offset. */
  list: boolean;
  /** argocd-server projects this response with `?fields=`; each path is prefixed with this. */
  serverFieldsPrefix?: string;
}

export interface IrSpec {
  release: string;
  sha256: string;
  operations: IrOperation[];
  /** Definitions cleaned for validation (patched, swagger-only keywords removed). */
  definitions: Record<string, JsonSchema>;
}
