// The few browser types the functions run in the page (page.evaluate) use. The project compiles without
// lib "dom" (server code must not see browser globals), so each file that needs them declares them
// module-locally: `declare const document: DomDocument;` emits nothing and leaves `document` a free name
// for the browser to resolve.

export interface DomRect {
  x: number;
  y: number;
  top: number;
  width: number;
  height: number;
}

export interface DomNode {
  textContent: string | null;
}

export interface DomElement extends DomNode {
  style: { top: string };
  innerText: string;
  getBoundingClientRect(): DomRect;
  querySelectorAll(selector: string): Iterable<DomElement> & ArrayLike<DomElement>;
}

export interface DomRange {
  setStart(node: DomNode, offset: number): void;
  setEnd(node: DomNode, offset: number): void;
  getBoundingClientRect(): DomRect;
}

export interface DomDocument {
  body: DomElement | null;
  querySelectorAll(selector: string): Iterable<DomElement> & ArrayLike<DomElement>;
  createTreeWalker(root: DomElement, whatToShow: number): { nextNode(): DomNode | null };
  createRange(): DomRange;
}
