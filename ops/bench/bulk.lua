-- wrk script: sends every line of the file $BULK_FILE once ("METHOD<TAB>PATH<TAB>BODY"), spread
-- over the threads (-t must equal $BULK_THREADS). Builds the benchmark's data sets through the API
-- at full speed (ops/bench/all.py writes the files). Reads the token from $BENCH_TOKEN.
-- wrk runs for its whole -d whatever the script does, so each thread, once every one of its
-- requests is answered (or, all sent, no answer came for 5 s: wrk drops a request whose
-- connection fails without calling response()), writes $BULK_FILE.done.<thread> and the caller
-- interrupts wrk (SIGINT). A connection with nothing left to send asks GET /health/live
-- ("Healthy") every 50 ms until then. Prints how many answers were not 2xx (and the first few of
-- them) and how many requests got no answer.
local token = os.getenv("BENCH_TOKEN")
local file = os.getenv("BULK_FILE")
local nthreads = tonumber(os.getenv("BULK_THREADS"))
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local mine, sent, reported, finished = {}, 0, 0, false
count, failed, answered = 0, 0, 0
local last_answer = os.time()
function init(args)
  local i = 0
  for line in io.lines(file) do
    if i % nthreads == id then table.insert(mine, line) end
    i = i + 1
  end
  count = #mine
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
  if count == 0 then finish() end
end

function finish()
  finished = true
  local f = io.open(file .. ".done." .. id, "w")
  f:write("done\n")
  f:close()
end

-- wrk calls request() once on thread 0 before it starts, to check the script: that call sends nothing
local verified = false
function request()
  if id == 0 and not verified then verified = true; return wrk.format("GET", "/health/live") end
  sent = sent + 1
  local line = mine[sent]
  if line == nil then return wrk.format("GET", "/health/live") end
  local method, path, body = line:match("^([^\t]*)\t([^\t]*)\t?(.*)$")
  return wrk.format(method, path, nil, body ~= "" and body or nil)
end

function delay()
  if sent >= count then return 50 end
  return 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    failed = failed + 1
    if reported < 3 then reported = reported + 1; io.write("bulk: unexpected " .. status .. ": " .. body:sub(1, 300) .. "\n") end
  end
  if body ~= "Healthy" then answered = answered + 1; last_answer = os.time() end
  if not finished and (answered >= count or (sent > count and os.time() - last_answer >= 5)) then finish() end
end

function done(summary, latency, requests)
  local total, bad, lost = 0, 0, 0
  for _, t in ipairs(threads) do
    total = total + t:get("count"); bad = bad + t:get("failed"); lost = lost + t:get("count") - t:get("answered")
  end
  io.write(string.format("bulk: %d requests, %d not 2xx, %d unanswered, %.1f s, %.0f/s\n", total, bad, lost,
    summary.duration / 1e6, total / (summary.duration / 1e6)))
end
