-- wrk script: POST /log for customer 1 (inbound SMS).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["x-api-key"] = os.getenv("BENCH_KEY")
wrk.body = '{"customer_id":1,"channel":"sms","channel_identifier":"+14165550000","direction":"inbound","message_body":"Benchmark message body"}'
