/** Import rules (STYLE.md): libs never import apps; an app never imports another app. */
module.exports = {
  forbidden: [
    {
      name: 'libs-never-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'apps-never-import-other-apps',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/([^/]+)/', pathNot: '^apps/$1/' },
    },
    {
      name: 'adapters-never-import-http',
      comment: 'store and bus adapters stay free of the HTTP layer',
      severity: 'error',
      from: { path: '^libs/(eventstore|bus|projections)/' },
      to: { path: '^libs/apiserver/|^@nestjs/platform-express' },
    },
    { name: 'no-circular', severity: 'warn', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '(^dist/|node_modules)' },
  },
};
