import { describe, expect, it } from 'vitest';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { lazyJsonObject, rememberJson, rememberedJson, serializeMessage } from '../../src/shaping/raw-json.ts';

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

describe('lazyJsonObject', () => {
  const json = JSON.stringify({ metadata: { name: 'guestbook', labels: { env: 'prod' } }, items: [1, 'two', null], toJSON: 'a field' });

  it('is written as its text without being parsed', () => {
    const lazy = lazyJsonObject(json);
    expect(rememberedJson(lazy)).toBe(json);
    const message = answer(lazy, json);
    expect(serializeMessage(message)).toBe(`{"result":{"content":[{"type":"text","text":${JSON.stringify(json)}}],"structuredContent":${json}},"jsonrpc":"2.0","id":7}`);
  });

  it('reads as the object its text says, to whatever looks into it', () => {
    const lazy = lazyJsonObject(json);
    const plain = JSON.parse(json) as Record<string, unknown>;
    expect(lazy).toEqual(plain);
    expect(Object.keys(lazy)).toEqual(Object.keys(plain));
    expect({ ...lazy }).toEqual(plain);
    expect('metadata' in lazy).toBe(true);
    expect(lazy.metadata).toEqual({ name: 'guestbook', labels: { env: 'prod' } });
    expect(JSON.stringify(lazy)).toBe(json);
    expect(Array.isArray(lazy)).toBe(false);
    expect(Object.getPrototypeOf(lazy)).toBe(Object.prototype);
  });

  it('once changed, is serialized as it now is', () => {
    const lazy = lazyJsonObject(json);
    lazy.added = true;
    delete lazy.items;
    expect(rememberedJson(lazy)).toBeUndefined();
    const written = JSON.parse(serializeMessage(answer(lazy, json))) as { result: { structuredContent: Record<string, unknown> } };
    expect(written.result.structuredContent).toEqual({ metadata: { name: 'guestbook', labels: { env: 'prod' } }, toJSON: 'a field', added: true });
  });
});
