-- A fixed GET of the URL given to wrk (e.g. /healthz): the server's floor, to compare others with.
package.path = debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua;" .. package.path
done = require("report").done
