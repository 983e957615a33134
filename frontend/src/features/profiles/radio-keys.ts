import type { KeyboardEvent } from "react";

const STEP: Record<string, number> = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };

/**
 * Arrow keys within a radio group. Visible controls carry no `name` (only the hidden fields are
 * posted), so the browser does not group them; this restores the usual keyboard model, with one
 * tab stop per group (the checked radio has tabIndex 0).
 */
export function onRadioGroupKeyDown(event: KeyboardEvent<HTMLElement>): void {
  const target = event.target;
  const step = STEP[event.key];
  if (!step || !(target instanceof HTMLInputElement) || target.type !== "radio") return;
  const group = target.dataset.group;
  const radios = Array.from(
    event.currentTarget.querySelectorAll<HTMLInputElement>("input[type=radio]"),
  ).filter(
    // Disabled choices and profiles the filter hides are skipped, as the browser skips them.
    (radio) => radio.dataset.group === group && !radio.disabled && !radio.closest("[hidden]"),
  );
  const next = radios[(radios.indexOf(target) + step + radios.length) % radios.length];
  if (!next || next === target) return;
  event.preventDefault();
  event.stopPropagation();
  next.focus();
  next.click();
}
