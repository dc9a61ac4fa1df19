/**
 * YAML parsing, loaded on first use: the parser is a quarter of a megabyte of code that a gateway started without a
 * config file never needs, and start-up time is what an MCP client waits for.
 */
import { createRequire } from 'node:module';

type YamlModule = typeof import('yaml');
let yaml: YamlModule | undefined;

function load(): YamlModule {
  yaml ??= createRequire(import.meta.url)('yaml') as YamlModule;
  return yaml;
}

/** `yaml`'s parse, loaded lazily. */
export function parseYaml(text: string): unknown {
  return load().parse(text);
}
