#!/usr/bin/env node
// The `tollgate` command runs the compiled JavaScript in dist/ (built by `npm install` in a clone,
// through the `prepare` script, and shipped in the package).
try {
  await import('../dist/cli/main.js');
} catch (error) {
  if (
    error?.code === 'ERR_MODULE_NOT_FOUND' &&
    String(error.message).includes('dist/cli/main.js')
  ) {
    process.stderr.write(
      'tollgate: the compiled CLI is missing; run `npm run build` in the checkout first.\n',
    );
    process.exit(1);
  }
  throw error;
}
