/** The short page a browser is shown at the end of a sign-in (`login --sso`'s callback, the HTTP service's). */
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function signInPage(title: string, text: string): string {
  return `<!doctype html><meta charset="utf-8"><title>${escape(title)}</title><body style="font-family:sans-serif;margin:3em"><h1>${escape(title)}</h1><p>${escape(text)}</p></body>`;
}
