/** The names a names answer stands for: `a-{x,y}-b` is a-x-b and a-y-b (src/fleet/answer-shapes.ts). */
export function expandNames(list: string[]): string[] {
  return list.flatMap((n) => {
    const m = /^(.*?)\{([^}]*)\}(.*)$/.exec(n);
    return m ? m[2].split(',').map((v) => `${m[1]}${v}${m[3]}`) : [n];
  });
}
