// The npm `openai` client against relaygen serve (serve_command_test): one chat completion and the
// same one streamed; prints {reasoning, content, usage, streamed_*} as JSON.
//   node openai_client.cjs BASE_URL PROBLEM     (NODE_PATH points at the node_modules holding openai)
const OpenAI = require('openai');

async function main() {
  const [baseURL, problem] = process.argv.slice(2);
  const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0, timeout: 120000 });
  const request = {
    model: 'relaygen',
    messages: [{ role: 'user', content: problem }],
    max_tokens: 300,
    temperature: 0,
  };
  const whole = await client.chat.completions.create(request);
  const message = whole.choices[0].message;
  const out = {
    reasoning: message.reasoning_content,
    content: message.content,
    usage: whole.usage,
    streamed_reasoning: '',
    streamed_content: '',
    streamed_usage: null,
  };
  const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
  for await (const chunk of stream) {
    if (chunk.usage) out.streamed_usage = chunk.usage;
    const delta = chunk.choices.length > 0 ? chunk.choices[0].delta : {};
    if (delta.reasoning_content) out.streamed_reasoning += delta.reasoning_content;
    if (delta.content) out.streamed_content += delta.content;
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
  console.error(String(e && e.stack ? e.stack : e));
  process.exit(1);
});
