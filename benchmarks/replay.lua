-- Replays pre-built requests (one per line: METHOD \t PATH \t HEADERS \t BODY, headers
-- separated by \31 as "Name: value"). Thread k of n takes lines k, k+n, ...
-- cycle=1 loops over them (reads); cycle=0 sends each once, then stops the thread and pads
-- in-flight connections with the hello endpoint (counted apart as "padding": a scenario that
-- pads ran out of requests before the end).
-- "Idempotency-Key: *" gets a key unique to each request sent, as a real client makes one.
-- 409 answers are counted apart too: they are the expected refusals of some scenarios.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local file, cycle, nthreads = args[1], args[2] == "1", tonumber(args[3])
  key_prefix = args[4] .. "-" .. id .. "-"
  requests, i, sent, received, padding, conflicts, is_cycle = {}, 0, 0, 0, 0, 0, cycle
  local lines = {}
  for line in io.lines(file) do table.insert(lines, line) end
  for n, line in ipairs(lines) do
    -- a file shorter than the thread count (hello) is shared whole, else split by thread
    if #lines < nthreads or (n - 1) % nthreads == id then
      table.insert(requests, parse(line))
    end
  end
  hello = wrk.format("GET", "/healthz")
end

function parse(line)
  local method, path, headers, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
  local h = {}
  for pair in headers:gmatch("[^\31]+") do
    local k, v = pair:match("^([^:]+): (.*)$")
    h[k] = v
  end
  if body == "" then body = nil end
  if h["Idempotency-Key"] == "*" then  -- formatted when sent
    return {method = method, path = path, headers = h, body = body}
  end
  return wrk.format(method, path, h, body)
end

function request()
  i = i + 1
  if i > #requests then
    if is_cycle then i = 1 else padding = padding + 1; return hello end
  end
  local r = requests[i]
  if type(r) == "string" then return r end
  sent = sent + 1
  r.headers["Idempotency-Key"] = key_prefix .. sent
  return wrk.format(r.method, r.path, r.headers, r.body)
end

function response(status, headers, body)
  received = received + 1
  if status == 409 then conflicts = conflicts + 1 end
  if not is_cycle and received >= #requests then wrk.thread:stop() end
end

function done(summary, latency, requests_)
  local pad, refused = 0, 0
  for _, t in ipairs(threads) do
    pad = pad + (t:get("padding") or 0)
    refused = refused + (t:get("conflicts") or 0)
  end
  io.write(string.format(
    'JSON{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p99_us": %d, "padding": %d, "conflicts": %d}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), pad, refused))
end
