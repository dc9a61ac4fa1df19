/**
 * What a loaded configuration asks of the process before anything serves: the catalogue it names becomes the one
 * served, and the audit file it names must be writable (it is created if need be). loadConfig only reads and
 * checks; the entry points that act on a configuration call this once.
 */
import { appendFileSync } from 'node:fs';
import { useCatalogueDir } from '../catalogue/load-catalogue.ts';
import type { GatewayConfig } from '../config/load-config.ts';
import { ConfigError } from '../config/read.ts';
import { waysToSet } from '../config/sources.ts';

/** Chooses the configuration's catalogue and opens its audit file; throws ConfigError when the file cannot be written. */
export function applyConfig(config: Pick<GatewayConfig, 'catalogueDir' | 'auditFile'>): void {
  useCatalogueDir(config.catalogueDir);
  if (!config.auditFile) return;
  try {
    appendFileSync(config.auditFile, '');
  } catch (err) {
    throw new ConfigError([
      {
        setting: 'auditFile',
        message: `cannot write ${config.auditFile} (${(err as NodeJS.ErrnoException).code}); check the directory and permissions, or name another file (${waysToSet('auditFile')})`,
      },
    ]);
  }
}
