-- POST /v1/users with a new address each time: rTAG-THREAD-N@bench.example, TAG being the first
-- script argument (unique per run), with the password in the second.
--   wrk ... -s register.lua http://127.0.0.1:PORT -- TAG PASSWORD
package.path = debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua;" .. package.path
local report = require("report")
done, setup = report.done, report.setup

local tag, password
local headers = { ["Content-Type"] = "application/json" }
local count = 0

function init(args)
  tag = args[1]
  password = args[2]
end

function request()
  count = count + 1
  local body = string.format('{"name":"Bench User","email":"r%s-%d-%d@bench.example","password":"%s"}',
                             tag, id or 0, count, password)
  return wrk.format("POST", "/v1/users", headers, body)
end
