import { describe, expect, it } from 'vitest';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { rememberJson, serializeMessage } from '../../src/runtime/raw-json.ts';

const answer = (structuredContent: object, text: string) =>
  ({ result: { content: [{ type: 'text', text }], structuredContent }, jsonrpc: '2.0', id: 7 }) as unknown as JSONRPCMessage;

describe('serializeMessage', () => {
  it('writes exactly what JSON.stringify would, using the JSON already made for the structured content', () => {
    const value = { name: 'guestbook', note: 'quotes " and \\ and \u0000structuredContent\u0000 and "\u0000structuredContent\u0000"', n: [1, 2] };
    const text = JSON.stringify(value);
    rememberJson(value, text);
    const message = answer(value, text);
    expect(serializeMessage(message)).toBe(JSON.stringify(message));
  });

  it('splices in the remembered text rather than serializing the object again', () => {
    const value = { a: 1 };
    rememberJson(value, '{"a":1,"spliced":true}');
    expect(JSON.parse(serializeMessage(answer(value, '{"a":1}')))).toMatchObject({ result: { structuredContent: { a: 1, spliced: true } } });
  });

  it('serializes anything else as JSON.stringify does', () => {
    const plain = answer({ a: 1 }, '{"a":1}');
    expect(serializeMessage(plain)).toBe(JSON.stringify(plain));
    const request = { jsonrpc: '2.0', id: 1, method: 'tools/list' } as JSONRPCMessage;
    expect(serializeMessage(request)).toBe(JSON.stringify(request));
  });
});
