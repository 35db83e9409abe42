import { Type } from "@sinclair/typebox";
import { Nullable } from "../../http/schemas.js";

export const OwnSession = Type.Object({
  id: Type.String(),
  createdAt: Type.String({ format: "date-time" }),
  lastUsedAt: Type.String({ format: "date-time" }),
  expiresAt: Type.String({ format: "date-time" }),
  ipAddress: Nullable(Type.String()),
  userAgent: Nullable(Type.String()),
  current: Type.Boolean({ description: "The session of the access token making this request" }),
}, { title: "OwnSession" });
