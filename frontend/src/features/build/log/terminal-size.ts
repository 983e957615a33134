/**
 * How much of a build log the terminal keeps. Its own module, so the page can say so without
 * loading xterm (xterm-terminal.ts is a lazy chunk).
 *
 * 10,000 lines, ten times BinderHub's own log terminal, which keeps xterm's default of 1,000
 * (`new Terminal({ convertEol: true, disableStdin: true })`, jupyterhub/binderhub
 * binderhub/static/js/components/BuilderLauncher.jsx lines 123-126 at commit 42708a3c; the
 * default is in @xterm/xterm 6.0.0 src/common/services/OptionsService.ts line 34). A cell costs
 * xterm 12 bytes (`CELL_SIZE` three words of a `Uint32Array`, src/common/buffer/BufferLine.ts
 * lines 22 and 62), so 10,000 lines of 120
 * columns are about 14 MB, where the 60,000 kept before were 87 MB; and every line the terminal
 * holds is a line it reflows when the page is resized. Copy log and Download log always have the
 * whole log (build-log-buffer.ts).
 */
export const TERMINAL_SCROLLBACK = 10_000;
