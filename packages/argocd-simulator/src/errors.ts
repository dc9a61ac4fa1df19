/** Errors the way argocd-server's grpc-gateway (v1.16) writes them. */
import { STATUS_CODES } from 'node:http';

/** gRPC status codes used by Argo CD. */
export const Code = {
  Canceled: 1,
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  Aborted: 10,
  OutOfRange: 11,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
  DataLoss: 15,
  Unauthenticated: 16,
} as const;

const HTTP_BY_CODE: Record<number, number> = {
  0: 200, 1: 408, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429,
  9: 400, 10: 409, 11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401,
};

/** HTTP status for a gRPC code (grpc-gateway `HTTPStatusFromCode`). */
export function httpStatusForCode(code: number): number {
  return HTTP_BY_CODE[code] ?? 500;
}

/** A gRPC status error raised by a handler; the server turns it into Argo's error JSON. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  /** The HTTP status grpc-gateway would answer with. */
  get httpStatus(): number {
    return httpStatusForCode(this.code);
  }
}

/** An answer that is not gRPC-shaped (plain-text errors of the HTTP muxes in front of grpc-gateway). */
export class RawHttpError extends Error {
  constructor(
    readonly status: number,
    readonly text: string,
  ) {
    super(text);
    this.name = 'RawHttpError';
  }
}

/** `{"error","code","message","details"}`, the grpc-gateway v1 error body. */
export function errorBody(err: ApiError): { error: string; code: number; message: string; details: unknown[] } {
  return { error: err.message, code: err.code, message: err.message, details: [] };
}

/** `{"error":{grpc_code,...}}`, the chunk grpc-gateway writes when a stream fails. */
export function streamErrorChunk(err: ApiError): { error: Record<string, unknown> } {
  const http = err.httpStatus;
  return {
    error: {
      grpc_code: err.code,
      http_code: http,
      message: err.message,
      http_status: STATUS_CODES[http] ?? 'Unknown',
      details: [],
    },
  };
}

/** Shorthands for the errors handlers raise most. */
export const errors = {
  invalid: (msg: string) => new ApiError(Code.InvalidArgument, msg),
  notFound: (msg: string) => new ApiError(Code.NotFound, msg),
  exists: (msg: string) => new ApiError(Code.AlreadyExists, msg),
  denied: (msg = 'permission denied') => new ApiError(Code.PermissionDenied, msg),
  precondition: (msg: string) => new ApiError(Code.FailedPrecondition, msg),
  unknown: (msg: string) => new ApiError(Code.Unknown, msg),
  unauthenticated: (msg: string) => new ApiError(Code.Unauthenticated, msg),
  unimplemented: (msg: string) => new ApiError(Code.Unimplemented, msg),
  internal: (msg: string) => new ApiError(Code.Internal, msg),
};

/** Kubernetes-style NotFound text, e.g. `applications.argoproj.io "x" not found`. */
export function k8sNotFound(resource: string, name: string): ApiError {
  return errors.notFound(`${resource} "${name}" not found`);
}
