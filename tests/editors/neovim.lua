-- Headless Neovim 0.11 with editors/neovim/lsp/durable_lsp.lua: opens a
-- fixture's wrangler.toml, waits for durable-lsp's diagnostics, hovers, then
-- uses the keys editors/neovim/README.md names (virtual text, <C-w>d, K).
-- Run: nvim --headless -u NONE -l tests/editors/neovim.lua REPO BIN
local repo, bin = _G.arg[1], _G.arg[2]
vim.cmd('filetype on')
vim.opt.runtimepath:prepend(repo .. '/editors/neovim')
local fixture = vim.fn.tempname()
vim.fn.mkdir(fixture, 'p')
vim.fn.system({ 'cp', '-r', repo .. '/tests/fixtures/do101-class-not-exported/.', fixture })

vim.lsp.config('durable_lsp', { cmd = { bin } })
vim.lsp.enable('durable_lsp')

local function fail(msg)
  io.stdout:write('FAIL: ' .. msg .. '\n')
  os.exit(1)
end

vim.cmd('edit ' .. fixture .. '/wrangler.toml')
local buf = vim.api.nvim_get_current_buf()
local ok = vim.wait(15000, function()
  local n = 0
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.code == 'DO101' then n = n + 1 end
  end
  return n == 2
end, 50)
if not ok then fail('no DO101 diagnostics: ' .. vim.inspect(vim.diagnostic.get(buf))) end

local clients = vim.lsp.get_clients({ bufnr = buf, name = 'durable_lsp' })
if #clients ~= 1 then fail('the client did not attach') end
local client = clients[1]
if client.offset_encoding ~= 'utf-8' then fail('expected utf-8, got ' .. tostring(client.offset_encoding)) end

local d = vim.diagnostic.get(buf)[1]
local params = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = d.lnum, character = d.col + 1 } }
local res = client:request_sync('textDocument/hover', params, 5000, buf)
if not res or not res.result then fail('no hover') end
local text = res.result.contents.value or ''
if not text:find('docs/rules/DO101.md', 1, true) then fail('hover lacks the rule link: ' .. text) end

-- What editors/neovim/README.md tells a user to do, key by key.
local function floats()
  local found = {}
  for _, w in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(w).relative ~= '' then
      local b = vim.api.nvim_win_get_buf(w)
      table.insert(found, { win = w, text = table.concat(vim.api.nvim_buf_get_lines(b, 0, -1, false), '\n') })
    end
  end
  return found
end
local function close_floats()
  for _, f in ipairs(floats()) do vim.api.nvim_win_close(f.win, true) end
end

-- Virtual text: vim.diagnostic.config({ virtual_text = true }) puts the message at the line's end.
vim.diagnostic.config({ virtual_text = true })
local ok_vt = vim.wait(5000, function()
  for _, m in ipairs(vim.api.nvim_buf_get_extmarks(buf, -1, 0, -1, { details = true })) do
    for _, chunk in ipairs(m[4].virt_text or {}) do
      if chunk[1]:find('Class `Counter` is bound here', 1, true) then return true end
    end
  end
  return false
end, 50)
if not ok_vt then fail('no virtual text with the DO101 message') end

-- <C-w>d on the finding: a float with its message and code.
vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col })
vim.api.nvim_feedkeys(vim.keycode('<C-w>d'), 'x', false)
local diag_float
vim.wait(5000, function()
  for _, f in ipairs(floats()) do
    if f.text:find('DO101', 1, true) then diag_float = f.text end
  end
  return diag_float ~= nil
end, 50)
if not diag_float then fail('<C-w>d opened no float with DO101') end
if not diag_float:find('is bound here', 1, true) then fail('<C-w>d float lacks the message: ' .. diag_float) end
close_floats()

-- K on the finding: the hover float, with the rule's link.
vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col + 1 })
vim.api.nvim_feedkeys('K', 'x', false)
local hover_float
vim.wait(5000, function()
  for _, f in ipairs(floats()) do
    if f.text:find('github.com/durable-lsp/durable-lsp/blob/v0.1.0/docs/rules/DO101.md', 1, true) then hover_float = f.text end
  end
  return hover_float ~= nil
end, 50)
if not hover_float then fail('K opened no hover float with the rule link; floats: ' .. vim.inspect(floats())) end
close_floats()

-- A quick fix: on the Counter finding, the code action that exports the class; it edits
-- src/index.ts (another file, unsaved) and the finding goes.
local counter
for _, x in ipairs(vim.diagnostic.get(buf)) do
  if x.code == 'DO101' and x.message:find('`Counter`', 1, true) then counter = x end
end
if not counter then fail('no DO101 for Counter') end
vim.api.nvim_win_set_cursor(0, { counter.lnum + 1, counter.col + 1 })
vim.lsp.buf.code_action({
  apply = true,
  filter = function(a) return a.title == 'Export `Counter` from the entry' end,
})
local fixed = vim.wait(10000, function()
  for _, x in ipairs(vim.diagnostic.get(buf)) do
    if x.code == 'DO101' and x.message:find('`Counter`', 1, true) then return false end
  end
  return #vim.diagnostic.get(buf) > 0
end, 50)
if not fixed then fail('the quick fix did not clear the Counter finding: ' .. vim.inspect(vim.diagnostic.get(buf))) end
local src = vim.fn.bufnr(fixture .. '/src/index.ts')
if src < 0 then fail('the quick fix did not open src/index.ts') end
local src_lines = vim.api.nvim_buf_get_lines(src, 0, -1, false)
if not table.concat(src_lines, '\n'):find('export class Counter', 1, true) then
  fail('src/index.ts was not edited: ' .. table.concat(src_lines, '\n'))
end

-- Completion after `this.ctx.storage.`, typed into the class's method and asked for at once.
vim.cmd('buffer ' .. src)
local line
for i, l in ipairs(vim.api.nvim_buf_get_lines(src, 0, -1, false)) do
  if l:find('fetch(request', 1, true) then line = i end
end
vim.api.nvim_buf_set_lines(src, line, line, false, { '    this.ctx.storage.' })
local col = #'    this.ctx.storage.'
local cres = client:request_sync('textDocument/completion', {
  textDocument = { uri = vim.uri_from_bufnr(src) },
  position = { line = line, character = col },
}, 5000, src)
if not cres or not cres.result then fail('no completion: ' .. vim.inspect(cres)) end
local labels = {}
for _, it in ipairs(cres.result.items or cres.result) do labels[it.label] = true end
for _, want in ipairs({ 'setAlarm', 'sql', 'transactionSync', 'deleteAll' }) do
  if not labels[want] then fail('completion lacks ' .. want .. ': ' .. vim.inspect(vim.tbl_keys(labels))) end
end
vim.cmd('buffer ' .. buf)

-- Outside any Worker's project (a Cargo.toml, a TypeScript file with no wrangler config above
-- it), the server does not start.
local elsewhere = vim.fn.tempname()
vim.fn.mkdir(elsewhere .. '/src', 'p')
vim.fn.writefile({ '[package]', 'name = "x"' }, elsewhere .. '/Cargo.toml')
vim.fn.writefile({ 'export const x = 1;' }, elsewhere .. '/src/a.ts')
for _, f in ipairs({ '/Cargo.toml', '/src/a.ts' }) do
  vim.cmd('edit ' .. elsewhere .. f)
  local b = vim.api.nvim_get_current_buf()
  vim.wait(1500, function() return #vim.lsp.get_clients({ bufnr = b, name = 'durable_lsp' }) > 0 end, 50)
  local attached = vim.lsp.get_clients({ bufnr = b, name = 'durable_lsp' })
  if #attached > 0 then fail('the server started for ' .. f .. ' outside any Worker (root ' .. tostring(attached[1].root_dir) .. ')') end
end
if #vim.lsp.get_clients({ name = 'durable_lsp' }) ~= 1 then fail('a second server started outside the Worker') end

-- A workers-rs Worker: the server starts for its Rust files, puts DO110 on the
-- `durable_object("…")` literal, and completes the SDK's methods.
local crate = vim.fn.tempname()
vim.fn.mkdir(crate, 'p')
vim.fn.system({ 'cp', '-r', repo .. '/tests/fixtures/do101-workers-rs/.', crate })
vim.cmd('edit ' .. crate .. '/src/lib.rs')
local rs = vim.api.nvim_get_current_buf()
local rs_ok = vim.wait(15000, function()
  for _, x in ipairs(vim.diagnostic.get(rs)) do
    if x.code == 'DO110' then return true end
  end
  return false
end, 50)
if not rs_ok then fail('no DO110 in the Rust Worker: ' .. vim.inspect(vim.diagnostic.get(rs))) end
local d110
for _, x in ipairs(vim.diagnostic.get(rs)) do
  if x.code == 'DO110' then d110 = x end
end
local lit = vim.api.nvim_buf_get_lines(rs, d110.lnum, d110.lnum + 1, false)[1]:sub(d110.col + 1, d110.end_col)
if lit ~= 'COUNTERS' then fail('DO110 is not on the literal: ' .. lit) end
local rs_client = vim.lsp.get_clients({ bufnr = rs, name = 'durable_lsp' })[1]
vim.cmd('edit ' .. crate .. '/src/counter.rs')
local cbuf = vim.api.nvim_get_current_buf()
local row
for i, l in ipairs(vim.api.nvim_buf_get_lines(cbuf, 0, -1, false)) do
  if l:find('storage().put(', 1, true) then row = i end
end
vim.api.nvim_buf_set_lines(cbuf, row, row, false, { '        self.state.storage().' })
-- the client sends the change after its debounce (150 ms)
vim.wait(400, function() return false end, 50)
local rres = rs_client:request_sync('textDocument/completion', {
  textDocument = { uri = vim.uri_from_bufnr(cbuf) },
  position = { line = row, character = #'        self.state.storage().' },
}, 5000, cbuf)
if not rres or not rres.result then fail('no completion in Rust: ' .. vim.inspect(rres)) end
local rlabels = {}
for _, it in ipairs(rres.result.items or rres.result) do rlabels[it.label] = true end
for _, want in ipairs({ 'set_alarm', 'delete_all', 'sql' }) do
  if not rlabels[want] then fail('Rust completion lacks ' .. want .. ': ' .. vim.inspect(vim.tbl_keys(rlabels))) end
end

io.stdout:write('ok: not started outside a Worker; 2 DO101 diagnostics, utf-8 positions, hover with the rule link; virtual text, <C-w>d and K as the README says; a quick fix cleared its finding; completion after this.ctx.storage.; in a Rust Worker DO110 on its literal and completion after self.state.storage().\n')
client:stop()
os.exit(0)
