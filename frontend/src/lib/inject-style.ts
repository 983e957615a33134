/**
 * Adds a stylesheet once, next to the element that needs it: into the shadow root the element
 * lives in, else the document's head. Lazily loaded parts of the page (the build panel, the
 * terminal) bring their own CSS this way, so none of it weighs on the first load.
 */
export function injectStyle(near: Node, id: string, css: string): void {
  const doc = near.ownerDocument ?? (near as Document);
  const root = near.getRootNode();
  const container = root instanceof ShadowRoot ? root : doc.head;
  if (container.querySelector(`#${id}`)) return;
  const style = doc.createElement("style");
  style.id = id;
  style.textContent = css;
  container.append(style);
}
