-- POST /v1/sessions for a random seeded user (userN@bench.example, N below the first script
-- argument) with the password in the second, so lookups spread over the whole table.
--   wrk ... -s login.lua http://127.0.0.1:PORT -- USERS PASSWORD
package.path = debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua;" .. package.path
local report = require("report")
done, setup = report.done, report.setup

local users, password
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  users = tonumber(args[1])
  password = args[2]
  math.randomseed(os.time() + (id or 0) * 7919)
end

function request()
  local body = string.format('{"email":"user%d@bench.example","password":"%s"}',
                             math.random(0, users - 1), password)
  return wrk.format("POST", "/v1/sessions", headers, body)
end
