// Driving the VS Code workbench (code-server in Debian's chromium) through playwright-core: the few
// gestures the e2e test needs, each with its own deadline, reading what a person sees (the DOM), never
// the extension's internals.
//
// Notes from making it work (VS Code 1.139 web):
// - Editor lines are virtualised: only the visible `.view-line`s exist, ordered by their `top`, not by
//   DOM order. Positions are reached with Ctrl+G "line:column", and words measured with a DOM Range.
// - Squiggles, code lenses and the light bulb are overlays placed at a line's `top`: a line is matched to
//   them by their vertical position.
// - Quick Open needs the file search index; the Explorer's rows are there at once.
import type { Browser, BrowserContext, Frame, Locator, Page } from "playwright-core";
import type { DomDocument } from "./dom";
import { sleep } from "./support";

declare const document: DomDocument;
declare const NodeFilter: { SHOW_TEXT: number };

export const EDITOR = ".editor-group-container.active .monaco-editor";

export class Workbench {
  constructor(
    readonly browser: Browser,
    readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  /** Polls `fn` until it returns a truthy value or `ms` pass; the last value (falsy on timeout). */
  async poll<T>(fn: () => Promise<T>, ms: number, every = 200): Promise<T> {
    const end = Date.now() + ms;
    let v = await fn();
    while (!v && Date.now() < end) {
      await sleep(every);
      v = await fn();
    }
    return v;
  }

  /** The file name of the active editor's tab ("" when none). */
  async activeTab(): Promise<string> {
    const tab = this.page.locator(".editor-group-container.active .tabs-container .tab.active").first();
    const name = await tab.getAttribute("data-resource-name", { timeout: 2000 }).catch(() => null);
    if (name) return name;
    return (await tab.innerText({ timeout: 2000 }).catch(() => "")).replace(/\s+/g, "");
  }

  /** The visible lines of the active editor, top to bottom. */
  async visibleLines(): Promise<string[]> {
    return this.page.evaluate((sel) => {
      const lines = [...document.querySelectorAll(`${sel} .view-lines .view-line`)];
      return lines
        .map((l) => [parseFloat(l.style.top), (l.textContent ?? "").replace(/\u00a0/g, " ")] as const)
        .sort((a, b) => a[0] - b[0])
        .map((x) => x[1]);
    }, EDITOR);
  }

  /** The text of each visible squiggle's line in the active editor, by severity class. */
  async squiggleLines(kind: "error" | "warning" | "info" | "hint"): Promise<string[]> {
    return this.page.evaluate(
      ([sel, k]) => {
        const lines = [...document.querySelectorAll(`${sel} .view-lines .view-line`)];
        return [...document.querySelectorAll(`${sel} .squiggly-${k}`)].map((s) => {
          const top = s.getBoundingClientRect().top;
          const line = lines.find((l) => Math.abs(l.getBoundingClientRect().top - top) < 4);
          return line ? (line.textContent ?? "").replace(/\u00a0/g, " ") : "";
        });
      },
      [EDITOR, kind] as const,
    );
  }

  async focusEditor(): Promise<void> {
    const box = await this.page.locator(`${EDITOR} .overflow-guard`).first().boundingBox({ timeout: 5000 });
    if (!box) throw new Error("no editor to focus");
    await this.page.mouse.click(box.x + box.width / 2, box.y + 10);
    await sleep(150);
  }

  /** Puts the cursor at a 1-based line and column (Go to Line). */
  async gotoLine(line: number, column = 1): Promise<void> {
    await this.focusEditor();
    await this.page.keyboard.press("Control+g");
    await this.page.locator(".quick-input-widget input").waitFor({ state: "visible", timeout: 5000 });
    await this.page.keyboard.type(`${line}:${column}`);
    await this.page.keyboard.press("Enter");
    await this.poll(
      async () =>
        (
          await this.page
            .locator("#status\\.editor\\.selection")
            .innerText({ timeout: 2000 })
            .catch(() => "")
        ).includes(`Ln ${line}, Col ${column}`),
      5000,
    );
  }

  /** The cursor's 1-based line and column, as the status bar gives them ("Ln 12, Col 5"); null when hidden. */
  async cursor(): Promise<{ line: number; column: number } | null> {
    const text = await this.page
      .locator('[id="status.editor.selection"]')
      .innerText({ timeout: 2000 })
      .catch(() => "");
    const m = /Ln (\d+), Col (\d+)/.exec(text);
    return m ? { line: Number(m[1]), column: Number(m[2]) } : null;
  }

  /** Polls the cursor until `ok` holds for it (or `ms` pass); the last position read. */
  async cursorWhere(
    ok: (at: { line: number; column: number }) => boolean,
    ms: number,
  ): Promise<{ line: number; column: number } | null> {
    let last: { line: number; column: number } | null = null;
    await this.poll(async () => {
      last = await this.cursor();
      return last !== null && ok(last);
    }, ms);
    return last;
  }

  /**
   * Runs a command by its palette label: F1, type it, move down to the row that is exactly that command
   * (fuzzy matching may rank "File: Save All" above "File: Save"), Enter. A command that opens a picker of
   * its own ("Go to Symbol in Workspace...") leaves the quick input open: `opensPicker`.
   */
  async command(label: string, timeoutMs = 10_000, opensPicker = false): Promise<void> {
    const input = this.page.locator(".quick-input-widget input");
    const exact = this.page.locator(".quick-input-list .monaco-list-row", {
      has: this.page.locator(".label-name", { hasText: new RegExp(`^${escapeRegExp(label)}$`) }),
    });
    // Right after the workbench starts, the palette may not list every command yet: asked again.
    for (let attempt = 1; ; attempt++) {
      await this.page.keyboard.press("F1");
      await input.waitFor({ state: "visible", timeout: 5000 });
      await input.fill(`>${label}`);
      const shown = await exact
        .first()
        .waitFor({ state: "visible", timeout: timeoutMs })
        .then(() => true)
        .catch(() => false);
      if (shown) break;
      await this.page.keyboard.press("Escape");
      if (attempt === 3) throw new Error(`the command palette has no "${label}"`);
    }
    const focused = this.page.locator(".quick-input-list .monaco-list-row.focused .label-name");
    for (let i = 0; i < 20; i++) {
      if (
        (
          await focused
            .first()
            .innerText({ timeout: 1000 })
            .catch(() => "")
        ).trim() === label
      ) {
        await this.page.keyboard.press("Enter");
        if (opensPicker) {
          // The palette's ">" prefix goes once the command has switched the quick input to its picker.
          await this.poll(async () => !(await input.inputValue().catch(() => ">")).startsWith(">"), 5000);
        } else {
          await input.waitFor({ state: "hidden", timeout: 5000 });
        }
        return;
      }
      await this.page.keyboard.press("ArrowDown");
    }
    throw new Error(`could not select "${label}" in the command palette`);
  }

  /** Opens a workspace file from the Explorer (its folders must be expanded, or the file at the top). */
  async openFromExplorer(name: string): Promise<void> {
    await this.page.locator(".explorer-folders-view .monaco-list-row", { hasText: name }).first().click();
    if (!(await this.poll(async () => (await this.activeTab()) === name, 15_000)))
      throw new Error(`${name} did not open from the Explorer (active: ${await this.activeTab()})`);
  }

  /**
   * Opens a file by a Quick Open search: Enter once the focused row is the file (the file index may still
   * be filling, so the first rows can be other files); asked again up to three times.
   */
  async quickOpen(name: string): Promise<void> {
    const input = this.page.locator(".quick-input-widget input");
    const focused = this.page.locator(".quick-input-list .monaco-list-row.focused .label-name");
    for (let attempt = 1; attempt <= 3; attempt++) {
      await this.page.keyboard.press("Control+p");
      await input.waitFor({ state: "visible", timeout: 5000 });
      await input.fill(name);
      const ready = await this.poll(
        async () =>
          (
            await focused
              .first()
              .innerText({ timeout: 1000 })
              .catch(() => "")
          ).trim() === name,
        10_000,
      );
      if (ready) {
        await this.page.keyboard.press("Enter");
        if (await this.poll(async () => (await this.activeTab()) === name, 10_000)) return;
      } else {
        await this.page.keyboard.press("Escape");
      }
    }
    throw new Error(`${name} did not open from Quick Open (active: ${await this.activeTab()})`);
  }

  /** The rows of the Problems panel (opened if closed). */
  async problems(): Promise<string[]> {
    if (!(await this.page.locator(".markers-panel").first().isVisible())) {
      await this.page.keyboard.press("Control+Shift+M");
      await this.page.locator(".markers-panel").first().waitFor({ state: "visible", timeout: 5000 });
    }
    const rows = await this.page.locator(".markers-panel .monaco-list-row").allInnerTexts();
    return rows.map((r) => r.replace(/\s+/g, " ").trim());
  }

  /** The bounding box of the first occurrence of `needle` in the visible lines of the active editor. */
  async wordBox(needle: string): Promise<{ x: number; y: number; width: number; height: number } | null> {
    return this.page.evaluate(
      ([sel, word]) => {
        for (const line of document.querySelectorAll(`${sel} .view-lines .view-line`)) {
          const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            const i = (n.textContent ?? "").replace(/\u00a0/g, " ").indexOf(word);
            if (i < 0) continue;
            const r = document.createRange();
            r.setStart(n, i);
            r.setEnd(n, i + word.length);
            const b = r.getBoundingClientRect();
            return { x: b.x, y: b.y, width: b.width, height: b.height };
          }
        }
        return null;
      },
      [EDITOR, needle] as const,
    );
  }

  /**
   * Hovers the mouse over `needle` and returns the text of the hover once it matches `expect`. The word is
   * measured again before each try: a panel closing just before moves the lines.
   */
  async hover(needle: string, expect: RegExp, timeoutMs = 20_000): Promise<string> {
    const hover = this.page.locator(".monaco-hover:not(.hidden)", { hasText: expect }).first();
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const box = await this.wordBox(needle);
      if (!box) throw new Error(`"${needle}" is not on screen`);
      const y = box.y + box.height / 2;
      // Away first, then onto the word: the hover starts on a mouse *move* that ends inside the word.
      await this.page.mouse.move(2, 2);
      await this.page.mouse.move(box.x + 2, y, { steps: 2 });
      await this.page.mouse.move(box.x + Math.min(10, box.width / 2), y, { steps: 2 });
      const shown = await hover
        .waitFor({ state: "visible", timeout: Math.max(1000, Math.min(6000, end - Date.now())) })
        .then(() => true)
        .catch(() => false);
      if (shown) return (await hover.innerText()).replace(/\s+/g, " ").trim();
    }
    throw new Error(`no hover matching ${String(expect)} over "${needle}" within ${timeoutMs} ms`);
  }

  async dismiss(): Promise<void> {
    await this.page.mouse.move(2, 2);
    await this.page.keyboard.press("Escape");
    await sleep(200);
  }

  /** The code lenses shown in the active editor. */
  async codeLenses(): Promise<string[]> {
    const all = await this.page.locator(`${EDITOR} .codelens-decoration`).allInnerTexts();
    return all.map((t) => t.replace(/\s+/g, " ").trim()).filter(Boolean);
  }

  /** The visible rows of the action widget (quick-fix menu). */
  async actionRows(): Promise<Locator> {
    const rows = this.page.locator(".action-widget .monaco-list-row");
    await rows.first().waitFor({ state: "visible", timeout: 10_000 });
    return rows;
  }

  /** A frame (webview) whose body text matches. */
  async frameWith(text: RegExp, timeoutMs: number): Promise<Frame | null> {
    return this.poll(async () => {
      for (const f of this.page.frames()) {
        if (f === this.page.mainFrame()) continue;
        const body = await f.evaluate(() => document.body?.innerText ?? "").catch(() => "");
        if (text.test(body)) return f;
      }
      return null;
    }, timeoutMs);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
