// A running nginx for tests that ask it to answer requests: its own temporary prefix, a free port, its own
// process group (stopped by group id), and GET requests on 127.0.0.1.
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { nginxBinary } from "./shared";

/** A TCP port nothing listens on right now (other agents run tests at the same time: never a fixed one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * `n` different free ports: each picked while the ones before it are still held, so the kernel cannot hand
 * the same port out twice (asked one after the other, `freePort` can: nginx -t then failed with "duplicate
 * address and port pair" under load).
 */
export async function freePorts(n: number): Promise<number[]> {
  const held: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const srv = net.createServer();
      srv.unref();
      held.push(srv);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          srv.on("error", reject);
          srv.listen(0, "127.0.0.1", () => resolve((srv.address() as net.AddressInfo).port));
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(held.map((srv) => new Promise((resolve) => srv.close(resolve))));
  }
}

/** The lines a main configuration needs to run as an unprivileged foreground nginx in `dir`. */
export function runnableHead(dir: string): string[] {
  return [
    "daemon off;",
    "master_process on;",
    "worker_processes 1;",
    `pid ${path.join(dir, "nginx.pid")};`,
    `error_log ${path.join(dir, "error.log")} notice;`,
  ];
}

/** The `http` level lines that keep temporary files in `dir`. */
export function runnableHttp(dir: string): string[] {
  return [
    "access_log off;",
    ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `${t}_temp_path ${path.join(dir, t)};`),
  ];
}

export interface Response {
  status: number;
  body: string;
}

export function get(port: number, p: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: p, timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("latin1");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${p} timed out`)));
    req.on("error", reject);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs nginx on `conf` (prefix `dir`) until `ready` answers, calls `use`, then stops it (its whole process
 * group). The error log is in the message when it does not come up.
 */
export async function withNginx<T>(
  dir: string,
  conf: string,
  port: number,
  use: () => Promise<T>,
  readyPath = "/",
): Promise<T> {
  const bin = nginxBinary();
  if (!bin) throw new Error("nginx is not installed");
  let nginx: ChildProcess | undefined;
  try {
    nginx = spawn(bin, ["-c", conf, "-p", dir, "-e", path.join(dir, "error.log")], { detached: true, stdio: "ignore" });
    const exited = new Promise<void>((resolve) => nginx!.on("exit", () => resolve()));
    let up = false;
    const deadline = Date.now() + 30_000;
    while (!up) {
      try {
        await get(port, readyPath);
        up = true;
      } catch {
        const gone = await Promise.race([exited.then(() => true), sleep(100).then(() => false)]);
        if (gone || Date.now() > deadline) {
          const log = path.join(dir, "error.log");
          throw new Error(
            `nginx did not come up on ${port}: ${fs.existsSync(log) ? fs.readFileSync(log, "utf8").slice(-1500) : ""}`,
          );
        }
      }
    }
    return await use();
  } finally {
    if (nginx?.pid) {
      try {
        process.kill(-nginx.pid, "SIGKILL");
      } catch {
        // already gone
      }
      await sleep(100);
    }
  }
}

/**
 * The response head nginx sends for `GET target`, as the bytes read off the socket: node's HTTP client refuses
 * what these tests look for (a bare CR, a header split in two), so nothing parses it in between.
 */
export function rawHead(port: number, target: string, host = "localhost"): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    let got = "";
    sock.setEncoding("latin1");
    sock.setTimeout(10_000, () => sock.destroy(new Error("timed out")));
    sock.on("connect", () => sock.write(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
    sock.on("data", (c: string) => (got += c));
    sock.on("end", () => resolve(got.split("\r\n\r\n")[0]));
    sock.on("error", reject);
  });
}
