// Commands from the gateway: validated, checked against issuer, target, expiry and the safety
// loops before any pin changes; executed at most once per id (ids survive restarts in the
// journal); every outcome is answered and logged with the issuer.
import type { Logger } from "pino";
import type { KeyObject } from "node:crypto";
import { isSignedBy } from "../../protocol/command-signature.ts";
import { commandSchema, GATEWAY_ISSUER, type Command, type CommandReply } from "../../protocol/commands.ts";
import type { ErrorCode } from "../../protocol/errors.ts";
import { errorCatalog } from "../../protocol/errors.ts";
import type { KeyValueStore } from "../sensors/channels.ts";
import type { Outputs, OutputState } from "./outputs.ts";
import type { SafetyLoops } from "./safety-loops.ts";

export interface CommandHandlerOptions {
  device: string;
  /** The village gateway's public key (from the credentials file); without it every command is refused. */
  gatewayKey: KeyObject | undefined;
  outputs: Outputs;
  safety: SafetyLoops;
  seen: KeyValueStore;
  log: Logger;
  now: () => number;
  reply: (reply: CommandReply) => void;
}

export class CommandHandler {
  private readonly o: CommandHandlerOptions;
  executed = 0;
  /** Commands refused for want of the gateway's signature, and when the last came. */
  unproven = 0;
  private lastUnprovenMs = 0;

  constructor(options: CommandHandlerOptions) {
    this.o = options;
  }

  handle(payload: Buffer): void {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString("utf8"));
    } catch {
      json = undefined;
    }
    const parsed = commandSchema.safeParse(json);
    if (!parsed.success) {
      const id = typeof (json as { id?: unknown })?.id === "string" ? (json as { id: string }).id.slice(0, 80) : "unknown";
      return this.reject(id, "CS_ERR_COMMAND_INVALID", parsed.error.issues[0]?.message ?? "not a command", undefined);
    }
    const cmd = parsed.data;
    const previous = this.o.seen.get(`cmd:${cmd.id}`);
    if (previous) {
      // The same id again: answer as before, never execute twice.
      this.o.reply(JSON.parse(previous) as CommandReply);
      return;
    }
    // Before anything else about it is believed: a rogue broker can say anything but cannot sign.
    // Not remembered (a forger could fill the journal with ids), but counted and shown in the status.
    if (!this.o.gatewayKey || !isSignedBy(cmd, this.o.gatewayKey)) {
      this.unproven++;
      this.lastUnprovenMs = this.o.now();
      return this.reject(cmd.id, "CS_ERR_COMMAND_UNPROVEN", this.o.gatewayKey ? "signature missing or wrong" : "this board has no gateway key: enrol it and start it with --credentials", undefined);
    }
    if (cmd.issuer !== GATEWAY_ISSUER) return this.reject(cmd.id, "CS_ERR_COMMAND_ISSUER", cmd.issuer, cmd);
    if (cmd.target.device !== this.o.device || !this.o.outputs.has(cmd.target.output)) {
      return this.reject(cmd.id, "CS_ERR_COMMAND_TARGET", `${cmd.target.device}/${cmd.target.output}`, cmd);
    }
    if (Date.parse(cmd.expiresAt) <= this.o.now()) return this.reject(cmd.id, "CS_ERR_COMMAND_EXPIRED", `expired at ${cmd.expiresAt}`, cmd);
    const kind = this.o.outputs.kind(cmd.target.output);
    if ((cmd.action === "set") !== (kind === "pwm") || (cmd.action === "set" && cmd.value === undefined)) {
      return this.reject(cmd.id, "CS_ERR_COMMAND_INVALID", `${kind} output takes ${kind === "pwm" ? "set with a value" : "on or off"}`, cmd);
    }
    const wanted: OutputState = cmd.action === "set" ? cmd.value! : cmd.action;
    const holder = this.o.safety.conflict(cmd.target.output, wanted);
    if (holder) return this.reject(cmd.id, "CS_ERR_COMMAND_INTERLOCKED", `${holder.id} holds ${cmd.target.output} (${holder.when})`, cmd);

    this.answer(cmd.id, "accepted");
    // The lease is the command's lifetime as the gateway set it, counted from its arrival here.
    const leaseMs = Date.parse(cmd.expiresAt) - Date.parse(cmd.issuedAt);
    this.o.outputs.hold(cmd.target.output, wanted, leaseMs, `${cmd.id} from ${cmd.issuer}`);
    this.executed++;
    this.o.log.info({ id: cmd.id, issuer: cmd.issuer, output: cmd.target.output, action: cmd.action }, "command done");
    this.remember(this.answer(cmd.id, "done"));
  }

  /** For the device status: a person should look for whoever sends commands the gateway did not sign. */
  warning(): string | undefined {
    if (!this.unproven) return undefined;
    return `${this.unproven} command(s) refused without the gateway's signature, the last at ${new Date(this.lastUnprovenMs).toISOString()}: something other than the gateway commands this board`;
  }

  private reject(id: string, code: ErrorCode, detail: string, cmd: Command | undefined): void {
    this.o.log.warn({ id, code, issuer: cmd?.issuer, output: cmd?.target.output }, "command rejected");
    const reply = this.answer(id, "rejected", code, `${errorCatalog[code]}: ${detail}`);
    if (cmd) this.remember(reply);
  }

  private answer(id: string, status: CommandReply["status"], code?: ErrorCode, reason?: string): CommandReply {
    const reply: CommandReply = { id, device: this.o.device, status, at: new Date(this.o.now()).toISOString() };
    if (code) reply.code = code;
    if (reason) reply.reason = reason.slice(0, 300);
    this.o.reply(reply);
    return reply;
  }

  private remember(reply: CommandReply): void {
    this.o.seen.set(`cmd:${reply.id}`, JSON.stringify(reply));
  }
}
