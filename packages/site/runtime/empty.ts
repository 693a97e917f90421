// Node built-ins that core's backend chooser imports but never calls in the browser.
export function createRequire(): (name: string) => never {
  return (name: string) => {
    throw new Error(`${name} cannot be loaded in the browser`);
  };
}
export const sep = '/';
export const dirname = (p: string) => p.replace(/\/[^/]*$/, '');
export const join = (...p: string[]) => p.join('/');
export default { createRequire, sep, dirname, join };
