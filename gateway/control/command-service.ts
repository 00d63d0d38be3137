// Commands from the gateway to edge outputs: trigger-matrix actions and manual overrides. Only the
// gateway issues them (issuer "gateway"), signed with its key so an edge can tell them from a
// forgery. Each is a lease: the output returns to its safe state when it expires, so a command
// delayed by an outage is not executed late and an output is never held by a gateway that is gone.
// A raised rule's hold is renewed at half its lease until another command for that output replaces
// it. Every command and every answer goes into the audit log (GET /api/commands).
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { commandReplySchema, GATEWAY_ISSUER, type Command, type CommandReply } from "../../protocol/commands.ts";
import { CsError } from "../../protocol/errors.ts";
import type { DeviceRegistry } from "../ingest/device-registry.ts";
import type { TriggerState } from "../triggers/trigger-state.ts";
import type { Broker } from "../broker/broker.ts";
import { parsePayload } from "../../protocol/parse-payload.ts";
import { signCommand } from "../../protocol/command-signature.ts";
import { deviceTopic, parseDeviceTopic } from "../../protocol/topics.ts";
import { loadOrCreateCommandKey, type CommandKey } from "../security/command-key.ts";

export interface CommandRequest {
  device: string;
  output: string;
  action: Command["action"];
  value?: number;
  reason?: string;
  /** How long the output holds it: its lease. */
  ttlMs?: number;
  /** Renewed until another command for the output replaces it (a raised rule's hold). */
  hold?: boolean;
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
  /** Where the command-signing key is kept (gateway/security/command-key.ts). */
  dataDir: string;
}

export class CommandService {
  private readonly o: CommandServiceOptions;
  private unsubscribe: (() => void) | undefined;
  private key: CommandKey | undefined;
  /** Holds being renewed, by "device/output", on the service's clock (simulated in drills and demos). */
  private readonly holds = new Map<string, { req: CommandRequest; renewAtMs: number }>();
  private renewTimer: NodeJS.Timeout | undefined;

  constructor(options: CommandServiceOptions) {
    this.o = options;
  }

  /** The public half of the signing key, for boards' credentials (and the simulated village). */
  get publicKeyPem(): string {
    this.key ??= loadOrCreateCommandKey(this.o.dataDir);
    return this.key.publicKeyPem;
  }

  start(): void {
    this.key ??= loadOrCreateCommandKey(this.o.dataDir);
    this.renewTimer = setInterval(() => this.renewDue(), 1_000);
    this.renewTimer.unref();
    this.unsubscribe = this.o.broker.onClientPublish((packet, client) => {
      const parsed = parseDeviceTopic(packet.topic);
      if (parsed?.kind === "command-replies") this.onReply(parsed.device, Buffer.from(packet.payload), client.id);
    });
  }

  stop(): void {
    this.unsubscribe?.();
    clearInterval(this.renewTimer);
    this.holds.clear();
  }

  private renewDue(): void {
    const now = this.o.now();
    for (const { req, renewAtMs } of [...this.holds.values()]) {
      if (renewAtMs > now) continue;
      try {
        this.issue({ ...req, reason: req.reason?.replace(/( \(renewed\))?$/, " (renewed)") });
      } catch (err) {
        this.holds.delete(`${req.device}/${req.output}`);
        this.o.log.error({ err: (err as Error).message, device: req.device, output: req.output }, "hold not renewed");
      }
    }
  }

  /** Validates, records and sends a command; throws a CsError before anything is sent. */
  issue(req: CommandRequest): Command {
    const kind = this.o.registry.outputKind(req.device, req.output);
    if (!kind) throw new CsError("CS_ERR_COMMAND_TARGET", `${req.device}/${req.output}`);
    if ((req.action === "set") !== (kind === "pwm") || (req.action === "set" && req.value === undefined)) {
      throw new CsError("CS_ERR_COMMAND_INVALID", `${kind} output takes ${kind === "pwm" ? "set with a value" : "on or off"}`);
    }
    const key = this.key;
    if (!key) throw new Error("the command service has not started");
    const now = this.o.now();
    const ttlMs = req.ttlMs ?? 5 * 60_000;
    const unsigned: Command = {
      id: `cmd-${randomUUID()}`,
      target: { device: req.device, output: req.output },
      action: req.action,
      ...(req.value !== undefined ? { value: req.value } : {}),
      issuer: GATEWAY_ISSUER,
      ...(req.reason ? { reason: req.reason } : {}),
      issuedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + ttlMs).toISOString(),
    };
    const command = signCommand(unsigned, key.privateKey);
    // Renewed at half the lease, so one lost renewal does not let the output lapse.
    if (req.hold) this.holds.set(`${req.device}/${req.output}`, { req, renewAtMs: now + ttlMs / 2 });
    else this.holds.delete(`${req.device}/${req.output}`);
    const entry: AuditEntry = { id: command.id, command, replies: [] };
    this.o.state.saveCommand(entry);
    this.o.log.info({ id: command.id, device: req.device, output: req.output, action: req.action, reason: req.reason }, "command issued");
    // Sent once its record is on the disk: after a power cut the audit still knows every command
    // an output may be carrying out (the flush runs off the event loop and takes milliseconds).
    void this.o.state.durable().then(() => this.o.broker.publish(deviceTopic("commands", req.device), JSON.stringify(command), { qos: 1 }));
    return command;
  }

  audit(): AuditEntry[] {
    return this.o.state.commands<AuditEntry>();
  }

  private onReply(device: string, payload: Buffer, clientId: string): void {
    const parsed = parsePayload(commandReplySchema, payload);
    if (!parsed?.success || parsed.data.device !== device) {
      this.o.log.warn({ clientId, topic: deviceTopic("command-replies", device) }, "malformed command reply ignored");
      return;
    }
    const entry = this.o.state.command<AuditEntry>(parsed.data.id);
    if (!entry) return;
    entry.replies.push(parsed.data);
    this.o.state.saveCommand(entry);
  }
}
