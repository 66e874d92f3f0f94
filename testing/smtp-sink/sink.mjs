// A real SMTP server for the test suite (nodemailer's smtp-server): listens on 127.0.0.1, takes any sender and
// recipient without authentication or TLS, and keeps each message as <n>.eml in the given folder (written to a
// temporary name first, so a reader never sees half a message). Prints "listening <port>" once it listens.
// Usage: node sink.mjs <port, 0 for any> <folder>
import { SMTPServer } from "smtp-server";
import { mkdirSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";

const [port, folder] = [Number(process.argv[2] ?? 0), process.argv[3]];
if (!folder) {
  console.error("usage: node sink.mjs <port> <folder>");
  process.exit(2);
}

mkdirSync(folder, { recursive: true });
let count = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS", "AUTH"],
  logger: false,
  onData(stream, session, callback) {
    const chunks = [];
    stream.on("data", (chunk) => chunks.push(chunk));
    stream.on("end", () => {
      const name = join(folder, `${String(++count).padStart(4, "0")}.eml`);
      writeFileSync(name + ".part", Buffer.concat(chunks));
      renameSync(name + ".part", name);
      console.log(`message ${name}`);
      callback();
    });
  },
});
server.on("error", (error) => console.error(`smtp error: ${error.message}`));
server.listen(port, "127.0.0.1", () => console.log(`listening ${server.server.address().port}`));
