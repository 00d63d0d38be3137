// Commands from the gateway to an edge device's outputs, and the device's answers.
import { z } from "zod";
import { idSchema } from "./payloads.ts";

/** Only this identity may command a device (enforced again by the broker's ACL, issue #8). */
export const GATEWAY_ISSUER = "gateway";

export const commandSchema = z.strictObject({
  id: z.string().min(1).max(80).regex(/^[A-Za-z0-9:#._-]+$/),
  target: z.strictObject({ device: idSchema, output: idSchema }),
  /** on / off for relays and valves; set with value 0..100 % for PWM fans and vent motors. */
  action: z.enum(["on", "off", "set"]),
  value: z.number().min(0).max(100).optional(),
  issuer: z.string().min(1).max(64),
  /** Why: a rule id or "manual override"; never a person. */
  reason: z.string().max(200).optional(),
  issuedAt: z.iso.datetime(),
  /** The end of the command's lease: the output returns to its safe state then, unless renewed. */
  expiresAt: z.iso.datetime(),
  /** The gateway's Ed25519 signature (protocol/command-signature.ts); without a valid one the edge refuses. */
  signature: z.string().max(200).optional(),
});
export type Command = z.infer<typeof commandSchema>;

export const commandReplySchema = z.strictObject({
  id: z.string().min(1).max(80),
  device: idSchema,
  status: z.enum(["accepted", "rejected", "done"]),
  code: z.string().optional(),
  reason: z.string().max(300).optional(),
  at: z.iso.datetime(),
});
export type CommandReply = z.infer<typeof commandReplySchema>;
