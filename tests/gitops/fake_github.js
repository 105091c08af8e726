// Runs an actions/github-script `script:` against a fake GitHub API and prints the calls.
// Usage: node fake_github.js SCRIPT_FILE STATE_JSON_FILE. State: {comments, issues, labels}.
const fs = require('fs');
const [scriptFile, stateFile] = process.argv.slice(2);
const script = fs.readFileSync(scriptFile, 'utf8');
const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
const calls = [];
const record = (name, result) => async (params) => {
  calls.push({ name, params });
  return { data: typeof result === 'function' ? result(params) : result };
};
const github = {
  paginate: async (fn, params) => (await fn(params)).data,
  rest: {
    issues: {
      listComments: record('listComments', () => state.comments || []),
      updateComment: record('updateComment', (p) => ({ id: p.comment_id, html_url: 'u' })),
      createComment: record('createComment', () => ({ id: 1, html_url: 'u' })),
      listForRepo: record('listForRepo', () => state.issues || []),
      update: record('update', () => ({})),
      create: record('create', () => ({ number: 99 })),
      createLabel: record('createLabel', () => ({})),
      getLabel: async (params) => {
        calls.push({ name: 'getLabel', params });
        if (!(state.labels || []).includes(params.name)) {
          const err = new Error('Not Found');
          err.status = 404;
          throw err;
        }
        return { data: { name: params.name } };
      },
    },
  },
};
const context = {
  repo: { owner: 'o', repo: 'r' },
  issue: { number: 7 },
  runId: 123,
  serverUrl: 'https://github.com',
};
const core = { info: () => {}, warning: () => {} };
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
new AsyncFunction('github', 'context', 'core', script)(github, context, core)
  .then(() => console.log(JSON.stringify(calls)))
  .catch((err) => { console.error(err); process.exit(1); });
