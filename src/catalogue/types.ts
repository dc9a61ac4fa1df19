/**
 * The shape of generated/tools.gen.json and generated/validation.gen.json: what the generator writes and the
 * runtime reads. Plain data; the runtime needs nothing else from the spec.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type JsonSchema = { [key: string]: unknown };

export interface ToolAnnotations {
  readOnlyHint: boolean;
  /** Absent on reads: the MCP spec gives it meaning only when readOnlyHint is false. */
  destructiveHint?: boolean;
  /** Absent on reads, as destructiveHint. */
  idempotentHint?: boolean;
  openWorldHint: boolean;
}

/** The four `_meta` keys that trace a tool to the Argo CD API. */
export interface ToolMeta {
  'argocd/operationId': string;
  'argocd/method': HttpMethod;
  'argocd/path': string;
  'argocd/tag': string;
}

export interface PathBinding {
  arg: string;
  wire: string;
  required: boolean;
  /** Where the same value sits in the body (relative to the body object), when it does. */
  bodyPath?: string[];
}

export interface QueryBinding {
  arg: string;
  wire: string;
  multi: boolean;
}

export type BodyBinding =
  | { kind: 'merged'; fields: string[] }
  | { kind: 'object'; arg: string }
  | { kind: 'string'; arg: string };

export interface RequestBinding {
  method: HttpMethod;
  path: string;
  path_params: PathBinding[];
  query: QueryBinding[];
  body?: BodyBinding;
  stream?: 'watch' | 'logs';
  /** The response has an `items` list the gateway can page (limit/offset). */
  list?: boolean;
  /** argocd-server's own `?fields=` projection applies; paths are prefixed with this. */
  serverFieldsPrefix?: string;
}

export interface CatalogueTool {
  name: string;
  title: string;
  description: string;
  toolset: string;
  annotations: ToolAnnotations;
  _meta: ToolMeta;
  inputSchema: JsonSchema;
  request: RequestBinding;
  /** Swagger definition of the 200 response, when named. */
  response?: string;
}

export interface Catalogue {
  $comment: string;
  release: string;
  sha256: string;
  tools: CatalogueTool[];
}

export interface ValidationCatalogue {
  $comment: string;
  /** ajv schema id of `definitions`. */
  id: string;
  definitions: Record<string, JsonSchema>;
  /** Full-depth input schema per tool name; `$ref`s point into `definitions`. */
  tools: Record<string, JsonSchema>;
}
