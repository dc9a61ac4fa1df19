/** Which tools may run as an MCP task (src/mcp/tasks.ts): the workflows that wait for Argo CD. */

const TASK_TOOLS = new Set(['sync_and_wait', 'sync_many']);

/** What tools/list says of a tool's task support (absent: forbidden, the default). */
export function taskSupportOf(toolName: string): { taskSupport: 'optional' } | undefined {
  return TASK_TOOLS.has(toolName) ? { taskSupport: 'optional' } : undefined;
}
