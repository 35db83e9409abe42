/**
 * OpenAPI 3.1 document → `sdk/types.gen.ts`: TypeScript types for every schema
 * and operation, plus the operation table the SDK's transport reads. A small
 * converter for the JSON Schema subset our TypeBox route schemas produce
 * (objects, arrays, scalars, type lists, anyOf, enum/const, $ref, titles).
 * Anything outside it fails loudly rather than degrading to `unknown`.
 */

type Schema = {
  $ref?: string;
  type?: string | string[];
  title?: string;
  description?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  [key: string]: unknown;
};

interface Parameter {
  name: string;
  in: "query" | "path" | "header" | "cookie";
  required?: boolean;
  description?: string;
  schema: Schema;
}

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema: Schema }> }>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

const METHODS = ["get", "put", "post", "patch", "delete"] as const;
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const key = (name: string) => (IDENT.test(name) ? name : JSON.stringify(name));

function doc(lines: (string | undefined)[], indent: string): string {
  const text = lines.filter((l): l is string => Boolean(l)).join(" ").replace(/\*\//g, "*\\/").trim();
  return text ? `${indent}/** ${text} */\n` : "";
}

/** Keys that do not change a schema's TypeScript type. */
const ANNOTATIONS = new Set(["title", "description", "examples", "example", "default", "format", "minLength", "maxLength", "pattern", "minimum", "maximum", "minItems", "maxItems", "minProperties", "$id"]);

export function generateSdkTypes(document: OpenApiDocument): string {
  const components = document.components?.schemas ?? {};
  /** Named types: component names and schema titles, each with the schema it stands for. */
  const named = new Map<string, Schema>();
  const pending: string[] = [];
  const canonical = (s: Schema) => JSON.stringify(s, (k, v) => (k === "examples" || k === "example" || k === "description" ? undefined : v));

  function nameTitled(schema: Schema): string {
    const title = schema.title!;
    if (!IDENT.test(title)) throw new Error(`schema title "${title}" is not an identifier`);
    const known = named.get(title);
    if (known) {
      if (canonical(known) !== canonical(schema)) throw new Error(`two different schemas are titled "${title}"`);
    } else {
      if (components[title]) throw new Error(`schema title "${title}" collides with a component`);
      named.set(title, schema);
      pending.push(title);
    }
    return title;
  }

  function type(schema: Schema, indent: string, atDefinition = false): string {
    if (schema.$ref) {
      const m = /^#\/components\/schemas\/(.+)$/.exec(schema.$ref);
      if (!m || !components[m[1]!]) throw new Error(`unresolvable $ref ${schema.$ref}`);
      return m[1]!;
    }
    if (schema.title && !atDefinition) return nameTitled(schema);
    const unknownKeys = Object.keys(schema).filter(
      (k) => !ANNOTATIONS.has(k) && !["type", "enum", "const", "anyOf", "oneOf", "allOf", "properties", "required", "additionalProperties", "items"].includes(k),
    );
    if (unknownKeys.length > 0) throw new Error(`unsupported schema keywords: ${unknownKeys.join(", ")}`);
    if (schema.anyOf || schema.oneOf) return union((schema.anyOf ?? schema.oneOf)!.map((s) => type(s, indent)));
    if (schema.allOf) return schema.allOf.map((s) => paren(type(s, indent))).join(" & ");
    if ("const" in schema) return JSON.stringify(schema.const);
    if (schema.enum) return union(schema.enum.map((v) => JSON.stringify(v)));
    if (Array.isArray(schema.type)) return union(schema.type.map((t) => type({ ...schema, type: t, title: undefined }, indent)));
    switch (schema.type) {
      case "string":
        return "string";
      case "integer":
      case "number":
        return "number";
      case "boolean":
        return "boolean";
      case "null":
        return "null";
      case "array":
        return schema.items ? `${paren(type(schema.items, indent))}[]` : "unknown[]";
      case "object":
        return objectType(schema, indent);
      case undefined:
        if (schema.properties) return objectType(schema, indent);
        return "unknown";
      default:
        throw new Error(`unsupported type ${String(schema.type)}`);
    }
  }

  function objectType(schema: Schema, indent: string): string {
    const props = Object.entries(schema.properties ?? {});
    const extra = schema.additionalProperties;
    if (props.length === 0) {
      if (extra && typeof extra === "object") return `Record<string, ${type(extra, indent)}>`;
      if (extra === false) return "Record<string, never>";
      return "Record<string, unknown>";
    }
    const inner = `${indent}  `;
    const required = new Set(schema.required ?? []);
    let out = "{\n";
    for (const [name, prop] of props) {
      out += doc([prop.description, prop.format ? `Format: ${prop.format}.` : undefined], inner);
      out += `${inner}${key(name)}${required.has(name) ? "" : "?"}: ${type(prop, inner)};\n`;
    }
    if (extra === true || (extra && typeof extra === "object")) out += `${inner}[key: string]: ${extra === true ? "unknown" : type(extra, inner)};\n`;
    return `${out}${indent}}`;
  }

  function union(parts: string[]): string {
    const unique = [...new Set(parts)];
    return unique.length === 1 ? unique[0]! : unique.map(paren).join(" | ");
  }
  function paren(t: string): string {
    return /^[A-Za-z0-9_$."]+(\[\])*$/.test(t) || t.startsWith("{") || t.startsWith("Record<") ? t : `(${t})`;
  }

  function declaration(name: string, schema: Schema): string {
    const body = type(schema, "", true);
    const comment = doc([schema.description], "");
    return body.startsWith("{") ? `${comment}export interface ${name} ${body}\n` : `${comment}export type ${name} = ${body};\n`;
  }

  // Operations, sorted by id so the file changes only where the API does.
  const ops: { id: string; method: string; path: string; op: Operation }[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      if (!op.operationId) throw new Error(`${method.toUpperCase()} ${path} has no operationId`);
      ops.push({ id: op.operationId, method: method.toUpperCase(), path, op });
    }
  }
  ops.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const seen = new Set<string>();
  for (const { id } of ops) {
    if (seen.has(id)) throw new Error(`duplicate operationId ${id}`);
    seen.add(id);
  }

  let operationTypes = "";
  let operationsInterface = "";
  let operationsTable = "";
  for (const { id, method, path, op } of ops) {
    const Name = pascal(id);
    const entry: string[] = [];
    for (const where of ["path", "query"] as const) {
      const params = (op.parameters ?? []).filter((p) => p.in === where);
      if (params.length === 0) continue;
      const typeName = `${Name}${where === "path" ? "Params" : "Query"}`;
      let body = "{\n";
      for (const p of params) {
        body += doc([p.description ?? p.schema.description], "  ");
        body += `  ${key(p.name)}${p.required ? "" : "?"}: ${type(p.schema, "  ")};\n`;
      }
      operationTypes += `export interface ${typeName} ${body}}\n\n`;
      entry.push(`${where === "path" ? "params" : "query"}: ${typeName}`);
    }
    const requestSchema = op.requestBody?.content["application/json"]?.schema;
    if (requestSchema) {
      const t = requestSchema.$ref || requestSchema.title ? type(requestSchema, "") : `${Name}Body`;
      if (t === `${Name}Body`) operationTypes += declaration(t, requestSchema) + "\n";
      entry.push(`body: ${t}`);
    }
    const results: string[] = [];
    for (const [status, response] of Object.entries(op.responses)) {
      if (!/^2\d\d$/.test(status)) continue;
      const schema = response.content?.["application/json"]?.schema;
      if (!schema) {
        results.push("void");
        continue;
      }
      if (schema.$ref || schema.title || schema.type === "array") {
        results.push(type(schema, ""));
      } else {
        operationTypes += declaration(`${Name}Result`, schema) + "\n";
        results.push(`${Name}Result`);
      }
    }
    entry.push(`response: ${union(results.length ? results : ["void"])}`);
    operationsInterface += doc([`${method} ${path}:`, op.summary], "  ");
    operationsInterface += `  ${id}: { ${entry.join("; ")} };\n`;
    const auth = (op.security ?? []).some((s) => "bearerAuth" in s);
    operationsTable += `  ${id}: { method: "${method}", path: "${path}", auth: ${auth} },\n`;
  }

  // Component schemas first (document order), then titled schemas as first met.
  let declarations = "";
  for (const [name, schema] of Object.entries(components)) declarations += declaration(name, schema) + "\n";
  let titled = "";
  for (let i = 0; i < pending.length; i++) {
    const name = pending[i]!;
    titled += declaration(name, named.get(name)!) + "\n";
  }

  return [
    "// Generated by scripts/generate-sdk-types.ts from the OpenAPI document (GET /openapi.json).",
    "// Do not edit: run `npm run generate:sdk`. test/sdk-drift.test.ts fails when this file and the routes disagree.",
    "/* eslint-disable */",
    "",
    (declarations + titled + operationTypes).trimEnd(),
    "",
    "/** Every operation of the API: its inputs and its success answer (void: no body). */",
    "export interface Operations {",
    operationsInterface + "}",
    "",
    "export type OperationId = keyof Operations;",
    "",
    "export interface OperationSpec {",
    '  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";',
    "  path: string;",
    "  /** Declares the bearer security scheme. */",
    "  auth: boolean;",
    "}",
    "",
    "/** Method and path template of every operation, keyed by operationId. */",
    "export const operations = {",
    operationsTable + "} as const satisfies Record<OperationId, OperationSpec>;",
    "",
  ].join("\n");
}
