import { describe, expect, it } from 'vitest';
import { maskSecrets } from '../../src/log.ts';

describe('log lines mask secrets', () => {
  it('masks secret fields at the top level and one level down, whatever their case', () => {
    const line = { tool: 'session_create', password: 'hunter22', headers: { Authorization: 'Bearer abc', accept: 'json' }, count: 3 };
    expect(maskSecrets(line)).toEqual({ tool: 'session_create', password: '[REDACTED]', headers: { Authorization: '[REDACTED]', accept: 'json' }, count: 3 });
  });

  it('leaves the caller’s object unchanged, and returns it as it is when there is nothing to mask', () => {
    const line = { password: 'hunter22', nested: { token: 't0k3n-value' } };
    maskSecrets(line);
    expect(line).toEqual({ password: 'hunter22', nested: { token: 't0k3n-value' } });
    const clean = { tool: 'application_get', args: { name: 'guestbook' } };
    expect(maskSecrets(clean)).toBe(clean);
  });

  it('keeps an error’s message and stack when it masks a field of it', () => {
    const err = Object.assign(new Error('login failed'), { password: 'hunter22' });
    const masked = maskSecrets({ err }).err as Record<string, unknown>;
    expect(masked).toMatchObject({ type: 'Error', message: 'login failed', password: '[REDACTED]' });
    expect(masked.stack).toContain('login failed');
    expect(err.password).toBe('hunter22');
  });

  it('does not mask an undefined secret field (nothing to hide, nothing written)', () => {
    expect(maskSecrets({ token: undefined, tool: 'x' })).toEqual({ token: undefined, tool: 'x' });
  });
});
