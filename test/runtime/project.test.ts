import { describe, expect, it } from 'vitest';
import { projector } from '../../src/shaping/project.ts';

const fields = ['metadata.name', 'spec.destination', 'status.sync.status'];

describe('projector', () => {
  it('keeps an item that holds only the projected paths as it is (Argo CD projected it already)', () => {
    const item = { metadata: { name: 'a' }, spec: { destination: { server: 's', namespace: 'n' } }, status: { sync: { status: 'Synced' } } };
    expect(projector(fields)(item)).toBe(item);
  });

  const cases: Array<[string, unknown, unknown]> = [
    ['drops a key off every path', { metadata: { name: 'a', uid: 'u' }, status: { sync: { status: 'Synced' } } }, { metadata: { name: 'a' }, status: { sync: { status: 'Synced' } } }],
    ['drops an object left empty on a path', { metadata: {}, status: { sync: { status: 'OutOfSync' } } }, { status: { sync: { status: 'OutOfSync' } } }],
    ['drops an array where an object is on the path', { metadata: { name: 'a' }, status: [1] }, { metadata: { name: 'a' } }],
    ['keeps a path whose end holds anything', { spec: { destination: [1, 2] } }, { spec: { destination: [1, 2] } }],
  ];
  for (const [name, item, want] of cases) {
    it(name, () => {
      expect(projector(fields)(item)).toEqual(want);
    });
  }

  it('keeps the whole value of a path that ends where another goes on', () => {
    const item = { spec: { destination: { server: 's' }, project: 'p' } };
    expect(projector(['spec', 'spec.destination.server'])(item)).toBe(item);
    expect(projector(['spec.destination.server', 'spec'])(item)).toEqual(item);
  });

  it('removes the listed paths with a leading -', () => {
    expect(projector(['-metadata.uid'])({ metadata: { name: 'a', uid: 'u' } })).toEqual({ metadata: { name: 'a' } });
  });
});
