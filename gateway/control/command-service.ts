// Commands from the gateway to edge outputs: trigger-matrix actions and manual overrides. Only the
// gateway issues them (issuer "gateway"); each carries an expiry, so a command delayed by an outage
// is not executed late. Every command and every answer goes into the audit log (GET /api/commands).
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { commandReplySchema, commandReplyTopic, commandTopic, GATEWAY_ISSUER, type Command, type CommandReply } from "../../protocol/commands.ts";
import { CsError } from "../../protocol/errors.ts";
import type { DeviceRegistry } from "../ingest/device-registry.ts";
import type { TriggerState } from "../triggers/trigger-state.ts";
import type { Broker } from "../broker/broker.ts";
import { parsePayload } from "../../protocol/parse-payload.ts";

export interface CommandRequest {
  device: string;
  output: string;
  action: Command["action"];
  value?: number;
  reason?: string;
  /** How long the command stays valid. */
  ttlMs?: number;
}

export interface AuditEntry {
  id: string;
  command: Command;
  replies: CommandReply[];
}

export interface CommandServiceOptions {
  broker: Broker;
  registry: DeviceRegistry;
  state: TriggerState;
  log: Logger;
  now: () => number;
}

export class CommandService {
  private readonly o: CommandServiceOptions;
  private unsubscribe: (() => void) | undefined;

  constructor(options: CommandServiceOptions) {
    this.o = options;
  }

  start(): void {
    this.unsubscribe = this.o.broker.onClientPublish((packet, client) => {
      const m = /^cs\/v1\/dev\/([a-z0-9-]+)\/command-replies$/.exec(packet.topic);
      if (m) this.onReply(m[1], Buffer.from(packet.payload), client.id);
    });
  }

  stop(): void {
    this.unsubscribe?.();
  }

  /** Validates, records and sends a command; throws a CsError before anything is sent. */
  issue(req: CommandRequest): Command {
    const kind = this.o.registry.outputKind(req.device, req.output);
    if (!kind) throw new CsError("CS_ERR_COMMAND_TARGET", `${req.device}/${req.output}`);
    if ((req.action === "set") !== (kind === "pwm") || (req.action === "set" && req.value === undefined)) {
      throw new CsError("CS_ERR_COMMAND_INVALID", `${kind} output takes ${kind === "pwm" ? "set with a value" : "on or off"}`);
    }
    const now = this.o.now();
    const command: Command = {
      id: `cmd-${randomUUID()}`,
      target: { device: req.device, output: req.output },
      action: req.action,
      ...(req.value !== undefined ? { value: req.value } : {}),
      issuer: GATEWAY_ISSUER,
      ...(req.reason ? { reason: req.reason } : {}),
      issuedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + (req.ttlMs ?? 5 * 60_000)).toISOString(),
    };
    const entry: AuditEntry = { id: command.id, command, replies: [] };
    this.o.state.saveCommand(entry);
    this.o.log.info({ id: command.id, device: req.device, output: req.output, action: req.action, reason: req.reason }, "command issued");
    // Sent once its record is on the disk: after a power cut the audit still knows every command
    // an output may be carrying out (the flush runs off the event loop and takes milliseconds).
    void this.o.state.durable().then(() => this.o.broker.publish(commandTopic(req.device), JSON.stringify(command), { qos: 1 }));
    return command;
  }

  audit(): AuditEntry[] {
    return this.o.state.commands<AuditEntry>();
  }

  private onReply(device: string, payload: Buffer, clientId: string): void {
    const parsed = parsePayload(commandReplySchema, payload);
    if (!parsed?.success || parsed.data.device !== device) {
      this.o.log.warn({ clientId, topic: commandReplyTopic(device) }, "malformed command reply ignored");
      return;
    }
    const entry = this.o.state.command<AuditEntry>(parsed.data.id);
    if (!entry) return;
    entry.replies.push(parsed.data);
    this.o.state.saveCommand(entry);
  }
}
