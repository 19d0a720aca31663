-- Headless Neovim 0.11 with editors/neovim/lsp/durable_lsp.lua: opens a
-- fixture's wrangler.toml, waits for durable-lsp's diagnostics, hovers.
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
if not text:find('durable%-lsp%.dev/rules/DO101') then fail('hover lacks the rule link: ' .. text) end

io.stdout:write('ok: 2 DO101 diagnostics, utf-8 positions, hover with the rule link\n')
client:stop()
os.exit(0)
