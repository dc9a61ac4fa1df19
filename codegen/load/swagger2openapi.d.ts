declare module 'swagger2openapi' {
  interface ConvertResult {
    openapi: unknown;
  }
  const converter: {
    convertObj(doc: unknown, options: Record<string, unknown>): Promise<ConvertResult>;
  };
  export default converter;
}
