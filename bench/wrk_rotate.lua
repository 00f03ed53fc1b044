-- wrk script for the search benchmark: `wrk ... URL -- PATHS_FILE`.
-- Every request takes the next URL path from PATHS_FILE (one per line), each thread starting at a
-- different point, so no cache sees the same search over and over. done() prints one line,
-- `WRK_RESULT {json}`: latency percentiles (microseconds), wrk's error counters, the count of
-- each HTTP status, and the start of the first body of each status that is not 2xx.

local threads = {}

function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  if #paths == 0 then
    error("no URL paths in " .. tostring(args[1]))
  end
  position = (thread_number * math.floor(#paths / 2 + 1)) % #paths
  statuses = {}
  failures = {}
end

function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position])
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if (status < 200 or status > 299) and failures[key] == nil then
    failures[key] = string.sub(body or "", 1, 400)
  end
end

local function json_string(text)
  return '"' .. string.gsub(text, '[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end) .. '"'
end

local function json_object(map, encode)
  local parts = {}
  for key, value in pairs(map) do
    parts[#parts + 1] = json_string(key) .. ":" .. encode(value)
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local statuses, failures = {}, {}
  for _, thread in ipairs(threads) do
    for key, count in pairs(thread:get("statuses") or {}) do
      statuses[key] = (statuses[key] or 0) + count
    end
    for key, body in pairs(thread:get("failures") or {}) do
      failures[key] = failures[key] or body
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_RESULT {"duration_us":%d,"requests":%d,"bytes":%d,'
      .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"statuses":%s,"failures":%s}\n',
    summary.duration, summary.requests, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    json_object(statuses, tostring), json_object(failures, json_string)
  ))
end
