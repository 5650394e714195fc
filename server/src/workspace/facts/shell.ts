// Shell commands: which of them run a configuration test. Every reader hands its command (text or argv) here;
// `testInvocation` follows sudo, timeout, `docker exec`, `sh -c`, ssh and the like down to the nginx binary
// and reads its options as nginx does.

/**
 * Splits shell text into simple commands (words with quotes removed). Operators (`;`, `&&`, `|`, `(`, `$(`,
 * backquotes, newlines) separate commands; redirections and their targets are dropped; `#` starts a comment.
 */
export function shellCommands(s: string): string[][] {
  const cmds: string[][] = [];
  let cur: string[] = [];
  let word: string | null = null;
  let discardNext = false;
  const endWord = (): void => {
    if (word === null) return;
    if (discardNext) discardNext = false;
    else cur.push(word);
    word = null;
  };
  const endCmd = (): void => {
    endWord();
    discardNext = false;
    if (cur.length > 0) cmds.push(cur);
    cur = [];
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === " " || c === "\t") {
      endWord();
      i++;
    } else if (c === "<" || c === ">" || (c === "&" && s[i + 1] === ">")) {
      if (word !== null && /^\d+$/.test(word)) word = null;
      else endWord();
      while (i < s.length && "<>&|".includes(s[i])) i++;
      discardNext = true;
    } else if (c === "\n" || c === "\r" || c === ";" || c === "|" || c === "&" || c === "(" || c === ")" || c === "`") {
      endCmd();
      i++;
    } else if (c === "$" && s[i + 1] === "(") {
      endCmd();
      i += 2;
    } else if (c === "#" && word === null) {
      while (i < s.length && s[i] !== "\n" && s[i] !== "\r") i++;
    } else if (c === "'") {
      const close = s.indexOf("'", i + 1);
      const end = close < 0 ? s.length : close;
      word = (word ?? "") + s.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let w: string = word ?? "";
      while (j < s.length && s[j] !== '"') {
        if (s[j] === "\\" && j + 1 < s.length && '"\\$`\n'.includes(s[j + 1])) {
          if (s[j + 1] !== "\n") w += s[j + 1];
          j += 2;
        } else w += s[j++];
      }
      word = w;
      i = j + 1;
    } else if (c === "\\") {
      if (s[i + 1] === "\n") i += 2;
      else if (s[i + 1] === "\r") i += s[i + 2] === "\n" ? 3 : 2;
      else {
        word = (word ?? "") + (s[i + 1] ?? "");
        i += 2;
      }
    } else {
      word = (word ?? "") + c;
      i++;
    }
  }
  endCmd();
  return cmds;
}

const NGINX_BINARIES = new Set(["nginx", "openresty", "nginx-debug"]);
/** Programs that name nginx without running it (`systemctl reload nginx`, `pgrep nginx`, `echo nginx -t`). */
const NOT_RUNNING_NGINX = new Set([
  "systemctl",
  "journalctl",
  "grep",
  "egrep",
  "fgrep",
  "pgrep",
  "pkill",
  "killall",
  "kill",
  "ps",
  "echo",
  "printf",
  "logger",
  "which",
  "whereis",
  "type",
  "man",
  "cat",
  "tail",
  "head",
  "less",
  "ls",
  "apt",
  "apt-get",
  "yum",
  "dnf",
  "apk",
]);

function baseName(word: string): string {
  const i = word.lastIndexOf("/");
  return i < 0 ? word : word.slice(i + 1);
}

/**
 * Where nginx's own option parsing (ngx_get_options) ends for `argv[at]` = the binary, if the options ask
 * for a test (`-t`, `-T`, `-qt`, `-t -c file`, …); null otherwise. Like nginx, a stray word or unknown option
 * is an error (nothing is tested). An init script's `configtest`/`testconfig` counts as a test.
 */
function nginxTestEnd(argv: readonly string[], at: number): number | null {
  let j = at + 1;
  if (argv[j] === "configtest" || argv[j] === "testconfig") return j + 1;
  let test = false;
  for (; j < argv.length; j++) {
    const a = argv[j];
    if (!a.startsWith("-") || a.length < 2) return null;
    for (let k = 1; k < a.length; k++) {
      const ch = a[k];
      if (ch === "t" || ch === "T") test = true;
      else if ("qvVh?".includes(ch)) continue;
      else if ("scgpe".includes(ch)) {
        // The value is the rest of this word, or the next word.
        if (k + 1 === a.length && ++j >= argv.length) return null;
        break;
      } else return null;
    }
  }
  return test ? j : null;
}

/** The words of the configuration test `argv` runs (directly, under sudo/timeout/docker exec/sh -c …), or null. */
export function testInvocation(argv: readonly string[], depth = 0): string[] | null {
  if (argv.length === 0 || depth > 4) return null;
  const prog = baseName(argv[0]);
  if (NOT_RUNNING_NGINX.has(prog)) return null;
  // A fresh container has its own network namespace: its `nginx -t` joins no running server's group.
  if ((prog === "docker" || prog === "podman") && argv[1] === "run" && !argv.some((a) => /^--net(work)?(=|$)/.test(a)))
    return null;
  for (let i = 0; i < argv.length; i++) {
    const b = baseName(argv[i]);
    if ((b === "service" || b === "rc-service") && NGINX_BINARIES.has(argv[i + 1] ?? "")) {
      if (argv[i + 2] === "configtest" || argv[i + 2] === "testconfig") return argv.slice(i, i + 3);
      continue;
    }
    if (NGINX_BINARIES.has(b)) {
      const end = nginxTestEnd(argv, i);
      if (end !== null) return argv.slice(i, end);
      continue;
    }
    // `sh -c "…"`, `su -c '…'`, `ssh host "…"`, `check_by_ssh -C "…"`: a word with spaces is a script.
    if (i > 0 && /\s/.test(argv[i])) {
      for (const cmd of shellCommands(argv[i])) {
        const inner = testInvocation(cmd, depth + 1);
        if (inner) return inner;
      }
    }
  }
  return null;
}

/** The first configuration test in shell text. */
export function shellTestInvocation(script: string): string[] | null {
  for (const cmd of shellCommands(script)) {
    const inv = testInvocation(cmd);
    if (inv) return inv;
  }
  return null;
}
