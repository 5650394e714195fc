-- Neovim 0.7 (Debian bookworm) as an LSP client of the nginx-risk server, headless:
--
--   NR_NODE=node NR_SERVER=dist/server.js NR_TARGET=conf/nginx.conf NR_OUT=result.json [NR_APPLY=title part] \
--     nvim --headless -u NONE -i NONE -n -c 'luafile test/e2e/nvim-lsp.lua'
--
-- Opens NR_TARGET, waits for the server's diagnostics of it, asks for the hover at the start of each
-- diagnostic and the code actions on each diagnostic's line (as `vim.lsp.buf.code_action()` does), applies
-- the first action whose title contains NR_APPLY (as the editor applies a picked action), and writes what
-- it saw as JSON to NR_OUT. The mocha test (editors.test.ts) judges the JSON; this script only reports.
-- Exit codes: 0 reported, 3 no diagnostics in time / server died, 4 a request failed.
-- (0.7 has neither vim.lsp.start nor vim.filetype.add: start_client + buf_attach_client.)

local node = os.getenv('NR_NODE') or 'node'
local server = assert(os.getenv('NR_SERVER'), 'NR_SERVER')
local target = assert(os.getenv('NR_TARGET'), 'NR_TARGET')
local out = assert(os.getenv('NR_OUT'), 'NR_OUT')
local apply = os.getenv('NR_APPLY')
local wait_ms = tonumber(os.getenv('NR_WAIT_MS') or '20000')

local result = { editor = 'neovim ' .. tostring(vim.version().major) .. '.' .. tostring(vim.version().minor) ..
  '.' .. tostring(vim.version().patch) }

local function finish(code, err)
  if err then result.error = err end
  vim.fn.writefile({ vim.fn.json_encode(result) }, out)
  if code == 0 then vim.cmd('qall!') else vim.cmd('cquit! ' .. code) end
end

local ok, failure = pcall(function()
  vim.cmd('filetype on')
  vim.cmd('autocmd BufRead,BufNewFile *.conf,*.nginx setfiletype nginx')

  -- The publications per URI, as they came (the last one is what the editor shows).
  local published = {}
  local exited = nil
  local client_id = vim.lsp.start_client({
    name = 'nginx-risk',
    cmd = { node, server, '--stdio' },
    root_dir = vim.fn.fnamemodify(target, ':p:h'),
    handlers = {
      ['textDocument/publishDiagnostics'] = function(err, params, ctx, config)
        vim.lsp.diagnostic.on_publish_diagnostics(err, params, ctx, config)
        published[params.uri] = (published[params.uri] or 0) + 1
      end,
    },
    on_exit = function(code, signal) exited = { code = code, signal = signal } end,
  })
  if not client_id then return finish(3, 'vim.lsp.start_client failed') end

  vim.cmd('edit ' .. vim.fn.fnameescape(target))
  local bufnr = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(bufnr)
  result.filetype = vim.bo[bufnr].filetype
  vim.lsp.buf_attach_client(bufnr, client_id)

  if not vim.wait(wait_ms, function() return published[uri] ~= nil or exited ~= nil end, 20) then
    return finish(3, 'no publishDiagnostics for the file within ' .. wait_ms .. ' ms')
  end
  if exited then return finish(3, 'the server exited: ' .. vim.fn.json_encode(exited)) end

  -- What the user sees: vim.diagnostic's view (signs, virtual text), 1-based lines like the CLI's.
  result.diagnostics = {}
  local lsp_diags = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local lsp = d.user_data and d.user_data.lsp or {}
    table.insert(lsp_diags, lsp)
    table.insert(result.diagnostics, {
      line = d.lnum + 1, column = d.col + 1, endLine = d.end_lnum + 1, endColumn = d.end_col + 1,
      severity = d.severity, source = d.source, code = lsp.code, message = d.message,
    })
  end

  local client = vim.lsp.get_client_by_id(client_id)
  result.hovers = {}
  result.actions = {}
  for i, d in ipairs(vim.diagnostic.get(bufnr)) do
    local params = { textDocument = { uri = uri }, position = { line = d.lnum, character = d.col } }
    local resp, err = client.request_sync('textDocument/hover', params, 5000, bufnr)
    if not resp then return finish(4, 'hover: ' .. tostring(err)) end
    if resp.err then return finish(4, 'hover: ' .. vim.fn.json_encode(resp.err)) end
    local text = vim.NIL
    if resp.result then
      -- The lines the hover window shows.
      local lines = vim.lsp.util.convert_input_to_markdown_lines(resp.result.contents)
      text = table.concat(vim.lsp.util.trim_empty_lines(lines), '\n')
    end
    table.insert(result.hovers, { line = d.lnum + 1, column = d.col + 1, text = text })

    -- As vim.lsp.buf.code_action(): the line's diagnostics as the context.
    local line_diags = vim.lsp.diagnostic.get_line_diagnostics(bufnr, d.lnum)
    local aparams = {
      textDocument = { uri = uri },
      range = lsp_diags[i].range or { start = { line = d.lnum, character = d.col }, ['end'] = { line = d.end_lnum, character = d.end_col } },
      context = { diagnostics = line_diags },
    }
    local aresp, aerr = client.request_sync('textDocument/codeAction', aparams, 10000, bufnr)
    if not aresp then return finish(4, 'codeAction: ' .. tostring(aerr)) end
    if aresp.err then return finish(4, 'codeAction: ' .. vim.fn.json_encode(aresp.err)) end
    local titles = {}
    for _, a in ipairs(aresp.result or {}) do
      table.insert(titles, a.title)
      if apply and not result.applied and a.title:find(apply, 1, true) then
        result.applied = { title = a.title }
        if a.edit then vim.lsp.util.apply_workspace_edit(a.edit, client.offset_encoding) end
        if a.command then
          local c = type(a.command) == 'table' and a.command or a
          client.request_sync('workspace/executeCommand', { command = c.command, arguments = c.arguments }, 10000, bufnr)
        end
      end
    end
    table.insert(result.actions, { line = d.lnum + 1, titles = titles })
  end

  if result.applied then
    -- Every buffer the edit touched (loaded by apply_workspace_edit), as the editor holds it now.
    result.applied.buffers = {}
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(b) and vim.bo[b].modified then
        result.applied.buffers[vim.api.nvim_buf_get_name(b)] =
          table.concat(vim.api.nvim_buf_get_lines(b, 0, -1, false), '\n') .. '\n'
      end
    end
  end
  result.capabilities = {
    hover = client.resolved_capabilities.hover,
    code_action = client.resolved_capabilities.code_action ~= false,
  }
  vim.lsp.stop_client(client_id)
  vim.wait(2000, function() return exited ~= nil end, 20)
  finish(0)
end)
if not ok then finish(4, 'script error: ' .. tostring(failure)) end
