/**
 * An MCP stdio transport that is listening from the first instant of the process, before the SDK and the gateway
 * are loaded. Once the configuration is validated it answers `initialize` itself — with the same result the SDK
 * server will compute (src/mcp/server-info.ts) — while the rest loads; then the SDK server is connected to it, receives
 * every buffered message (the `initialize` request included, so its session state is the same as ever), and its
 * own reply to that `initialize` is dropped. stdout carries only JSON-RPC messages.
 */

type Message = Record<string, unknown> & { id?: string | number; method?: string };

export interface InitializeAnswer {
  /** Protocol versions the SDK supports, newest first; its negotiation rule is applied to them. */
  supportedVersions: readonly string[];
  result: (protocolVersion: string) => Record<string, unknown>;
}

function validInitialize(m: Message): m is Message & { params: { protocolVersion: string } } {
  const p = m.params as { protocolVersion?: unknown; capabilities?: unknown; clientInfo?: { name?: unknown; version?: unknown } } | undefined;
  return (
    m.method === 'initialize' &&
    m.id !== undefined &&
    typeof p?.protocolVersion === 'string' &&
    typeof p.capabilities === 'object' &&
    p.capabilities !== null &&
    typeof p.clientInfo?.name === 'string' &&
    typeof p.clientInfo.version === 'string'
  );
}

export class EarlyStdio {
  onmessage?: (message: Message) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  sessionId?: string;

  private buffer = '';
  private queue: Message[] = [];
  private started = false;
  private closed = false;
  private answer?: InitializeAnswer;
  private answeredId?: string | number;
  private replyDropped = false;
  private validate?: (m: unknown) => Message;

  private readonly onData = (chunk: Buffer) => {
    this.buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      if (line.trim()) this.receive(line);
    }
  };

  private readonly onEnd = () => {
    void this.close();
  };

  constructor(
    private readonly stdin: NodeJS.ReadableStream = process.stdin,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
  ) {
    stdin.on('data', this.onData);
    stdin.on('end', this.onEnd);
  }

  private receive(line: string): void {
    let message: Message;
    try {
      const parsed = JSON.parse(line) as unknown;
      message = this.validate ? this.validate(parsed) : (parsed as Message);
    } catch (err) {
      this.onerror?.(err as Error);
      return;
    }
    if (!this.started) {
      this.queue.push(message);
      this.tryAnswer();
      return;
    }
    this.onmessage?.(message);
  }

  /** From now on `initialize` is answered at once (the configuration has been validated). */
  answerInitialize(answer: InitializeAnswer): void {
    this.answer = answer;
    this.tryAnswer();
  }

  private tryAnswer(): void {
    if (!this.answer || this.answeredId !== undefined || this.started) return;
    const init = this.queue.find((m) => m.method === 'initialize');
    if (!init || !validInitialize(init)) return;
    const requested = init.params.protocolVersion;
    // The SDK's rule: the client's version when supported, otherwise the newest one.
    const version = this.answer.supportedVersions.includes(requested) ? requested : this.answer.supportedVersions[0];
    this.answeredId = init.id;
    this.write({ jsonrpc: '2.0', id: init.id, result: this.answer.result(version) });
  }

  private write(message: unknown): void {
    this.stdout.write(`${JSON.stringify(message)}\n`);
  }

  /** Stops listening (when the configuration turns out to want HTTP, or on errors before serving). */
  dispose(): void {
    this.stdin.off('data', this.onData);
    this.stdin.off('end', this.onEnd);
  }

  /** Called by the SDK's connect(): hands over everything received so far. */
  async start(): Promise<void> {
    this.started = true;
    const queued = this.queue.splice(0);
    for (const m of queued) {
      try {
        this.onmessage?.(this.validate ? this.validate(m) : m);
      } catch (err) {
        this.onerror?.(err as Error);
      }
    }
  }

  /** Sets the message check the SDK's own stdio transport applies (its JSON-RPC schema). */
  setValidator(validate: (m: unknown) => Message): void {
    this.validate = validate;
  }

  async send(message: Message): Promise<void> {
    if (!this.replyDropped && this.answeredId !== undefined && message.id === this.answeredId && ('result' in message || 'error' in message)) {
      this.replyDropped = true;
      return;
    }
    this.write(message);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.dispose();
    this.onclose?.();
  }
}
