import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { createSmtpMailer } from "./smtp.js";

/** A minimal SMTP server on loopback (RFC 5321 happy path, no TLS, no auth) that records each message. */
async function fakeSmtpServer() {
  const received: { from: string; to: string[]; data: string }[] = [];
  const server = createServer((socket: Socket) => {
    let buffer = "";
    let inData = false;
    let current = { from: "", to: [] as string[], data: "" };
    socket.write("220 fake ESMTP\r\n");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      let i: number;
      while ((i = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            received.push(current);
            current = { from: "", to: [], data: "" };
            socket.write("250 queued\r\n");
          } else current.data += line + "\n";
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO" || verb === "HELO") socket.write("250 fake\r\n");
        else if (verb === "MAIL") (current.from = line), socket.write("250 ok\r\n");
        else if (verb === "RCPT") current.to.push(line), socket.write("250 ok\r\n");
        else if (verb === "DATA") (inData = true), socket.write("354 go on\r\n");
        else if (verb === "QUIT") socket.end("221 bye\r\n");
        else socket.write("250 ok\r\n");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test("the SMTP mailer delivers to the server named by SMTP_URL, sender from ?from=", async () => {
  const smtp = await fakeSmtpServer();
  try {
    const mailer = createSmtpMailer(`smtp://127.0.0.1:${smtp.port}/?from=${encodeURIComponent("Acme IT <it@acme.test>")}`, { from: "x@y.test" });
    await mailer.send({ to: "ann@acme.test", subject: "Reset your Acme password", text: "Link: http://gatehouse.test/reset-password?token=abc\n" });
    assert.equal(smtp.received.length, 1);
    const [mail] = smtp.received;
    assert.match(mail!.from, /<it@acme\.test>/);
    assert.deepEqual(mail!.to.map((t) => /<(.*)>/.exec(t)?.[1]), ["ann@acme.test"]);
    assert.match(mail!.data, /^Subject: Reset your Acme password$/m);
    assert.match(mail!.data, /reset-password\?token=abc/);
  } finally {
    await smtp.close();
  }
});

test("without ?from= the default sender is used", async () => {
  const smtp = await fakeSmtpServer();
  try {
    await createSmtpMailer(`smtp://127.0.0.1:${smtp.port}`, { from: "Gatehouse <no-reply@gatehouse.test>" })
      .send({ to: "bob@acme.test", subject: "Hi", text: "Hello\n" });
    assert.match(smtp.received[0]!.from, /<no-reply@gatehouse\.test>/);
  } finally {
    await smtp.close();
  }
});

test("an unreachable server rejects the send (the caller logs it)", async () => {
  const smtp = await fakeSmtpServer();
  await smtp.close();
  const mailer = createSmtpMailer(`smtp://127.0.0.1:${smtp.port}?connectionTimeout=2000`);
  await assert.rejects(mailer.send({ to: "c@acme.test", subject: "x", text: "y" }));
});
