/** Top-level navigation behind a seam, because jsdom cannot navigate and tests must observe it. */
export const navigation = {
  assign: (url: string): void => {
    window.location.assign(url);
  },
};
