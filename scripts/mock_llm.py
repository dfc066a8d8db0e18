#!/usr/bin/env python3
"""A loopback mock of the LLM APIs that coding agents talk to, for recording their output.

It speaks, streaming and not:
  - Anthropic Messages (POST /v1/messages, /v1/messages/count_tokens), for Claude Code;
  - OpenAI Responses (POST /v1/responses) and Chat Completions (POST /v1/chat/completions),
    for Codex and aider; GET /v1/models;
  - Gemini (POST /v1beta/models/M:streamGenerateContent?alt=sse, :generateContent,
    :countTokens; GET /v1beta/models), for Gemini CLI.

Every conversation goes the same way, decided from the request alone (so several agents
can share one mock):
  1. the user's first message gets a markdown answer (heading, list, code block, table),
     streamed in small chunks with small delays, ending in a call of the agent's shell
     tool (`echo perdix-mock-ok`), which makes the agent ask the user for permission;
     an agent without tools (aider) gets the command in a fenced shell block instead;
  2. once the request carries the tool's result, a short closing answer with a table;
  3. side requests (titles, summaries, "who speaks next" checks that ask for JSON) get
     short answers, JSON shaped after the requested schema where there is one.

Usage: scripts/mock_llm.py [--port N] [--log FILE] [--delay SECONDS]
Prints "mock listening on http://127.0.0.1:PORT" once it accepts connections.
"""

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

COMMAND = "echo perdix-mock-ok | tee mock-note.txt"

INTRO = """## Plan: check the workspace

I'll look at the **workspace** first, then *run* one small command:

- list what is here with `ls`
- print a greeting — café, naïve, 日本語
- report back ✅

```rust
fn main() {
    let greeting = "hello from the mock";
    println!("{greeting}");
}
```

| step | command | why |
|------|---------|-----|
| 1 | `ls` | see the files |
| 2 | `echo` | prove the shell works |

Now I'll run the command.
"""

AIDER_INTRO = INTRO + f"""
```bash
{COMMAND}
```
"""

FINAL = """The command printed `perdix-mock-ok`.

| result | value |
|--------|-------|
| exit code | 0 |
| output | perdix-mock-ok |

All done: **mock turn complete**.
"""

SIDE_ANSWER = "Mock workspace check"

# Preferred shell tools, by name, across the agents.
SHELL_TOOLS = ["Bash", "shell", "shell_command", "exec_command", "run_shell_command", "local_shell"]


def chunks(text, size=6):
    """Small pieces, never splitting a character (the APIs send whole characters)."""
    return [text[i:i + size] for i in range(0, len(text), size)]


def fill_schema(schema):
    """A minimal value that satisfies a JSON schema (enough for the agents' side checks)."""
    if not isinstance(schema, dict):
        return None
    kind = str(schema.get("type", "object")).lower()
    if "enum" in schema:
        values = schema["enum"]
        return "user" if "user" in values else values[0]
    if kind == "object":
        props = schema.get("properties", {})
        required = schema.get("required", list(props))
        return {name: fill_schema(props.get(name, {})) for name in required}
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return 0
    if kind == "boolean":
        return False
    return SIDE_ANSWER


def tool_arguments(tool_name, params):
    """Arguments for a shell tool, shaped after its parameter schema."""
    props = (params or {}).get("properties", {})
    required = (params or {}).get("required", [])
    args = {}
    for name in ("command", "cmd"):
        if name in props:
            kind = props[name].get("type")
            args[name] = ["bash", "-lc", COMMAND] if kind == "array" else COMMAND
            break
    else:
        args["command"] = COMMAND
    for name in required:
        if name not in args:
            args[name] = fill_schema(props.get(name, {"type": "string"}))
    if "description" in props:
        args["description"] = "Print a greeting to prove the shell works"
    if "require_escalated" in props.get("sandbox_permissions", {}).get("enum", []):
        # Codex runs commands in a sandbox; asking to leave it is what makes it ask the user.
        args["sandbox_permissions"] = "require_escalated"
    if "justification" in props:
        args["justification"] = "Write mock-note.txt in the workspace?"
    return args


class Conversation:
    """What the agent's request asks for: the opening answer, the closing one, or a side answer."""

    def __init__(self, phase, tool=None):
        self.phase = phase  # "intro", "final", "side"
        self.tool = tool  # (name, parameter schema) for the intro, or None

    @staticmethod
    def pick_tool(tools):
        named = {}
        for tool in tools:
            name = tool.get("name") or tool.get("function", {}).get("name") or tool.get("type")
            params = tool.get("input_schema") or tool.get("parameters") or tool.get(
                "function", {}).get("parameters") or tool.get("parametersJsonSchema")
            named[name] = params
        for name in SHELL_TOOLS:
            if name in named:
                return name, named[name]
        return None


def anthropic_conversation(body):
    messages = body.get("messages", [])
    last = messages[-1] if messages else {}
    content = last.get("content")
    if isinstance(content, list) and any(part.get("type") == "tool_result" for part in content):
        return Conversation("final")
    tool = Conversation.pick_tool(body.get("tools", []))
    return Conversation("intro", tool) if tool else Conversation("side")


def responses_conversation(body):
    items = body.get("input", [])
    if isinstance(items, list) and any(
            item.get("type") in ("function_call_output", "custom_tool_call_output", "local_shell_call_output")
            for item in items if isinstance(item, dict)):
        # The newest user message decides: a tool output after it means the turn goes on.
        last_user = max((i for i, item in enumerate(items) if item.get("role") == "user"), default=-1)
        if any(item.get("type", "").endswith("_output") for item in items[last_user + 1:]):
            return Conversation("final")
    tool = Conversation.pick_tool(body.get("tools", []))
    return Conversation("intro", tool) if tool else Conversation("side")


def chat_conversation(body):
    messages = body.get("messages", [])
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1)
    if any(m.get("role") == "tool" for m in messages[last_user + 1:]):
        return Conversation("final")
    tool = Conversation.pick_tool(body.get("tools", []) or [])
    if tool:
        return Conversation("intro", tool)
    # aider has no tools: it runs the fenced command itself and may send its output back.
    text = json.dumps(messages[last_user]["content"]) if last_user >= 0 else ""
    if "perdix-mock-ok" in text:
        return Conversation("final")
    if "perdix" in text.lower():
        return Conversation("intro")
    return Conversation("side")


def gemini_conversation(body):
    contents = body.get("contents", [])
    last = contents[-1] if contents else {}
    if any("functionResponse" in part for part in last.get("parts", [])):
        return Conversation("final")
    tools = []
    for group in body.get("tools", []) or []:
        tools.extend(group.get("functionDeclarations", []) or [])
    tool = Conversation.pick_tool(tools)
    return Conversation("intro", tool) if tool else Conversation("side")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "perdix-mock/1"

    def log_message(self, format, *args):  # quiet; requests go to the --log file instead
        pass

    def _log(self, body):
        log = self.server.log
        if log is not None:
            with self.server.log_lock:
                log.write(json.dumps({"method": self.command, "path": self.path,
                                      "agent": self.headers.get("User-Agent", ""),
                                      "body": body}) + "\n")
                log.flush()

    def _json(self, status, value):
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _start_sse(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def _event(self, name, value):
        data = json.dumps(value)
        text = f"event: {name}\ndata: {data}\n\n" if name else f"data: {data}\n\n"
        self.wfile.write(text.encode())
        self.wfile.flush()

    def _pause(self):
        time.sleep(self.server.delay)

    def do_GET(self):
        path = urlparse(self.path).path
        self._log(None)
        if path.rstrip("/").endswith("/models"):
            if "v1beta" in path:
                self._json(200, {"models": [{"name": f"models/{name}", "displayName": name,
                                             "supportedGenerationMethods": ["generateContent", "countTokens"]}
                                            for name in ("gemini-2.5-pro", "gemini-2.5-flash")]})
            else:
                names = ["gpt-4o", "gpt-5", "gpt-5-codex", "claude-sonnet-4-5", "mock-model"]
                self._json(200, {"object": "list", "data": [
                    {"id": name, "object": "model", "created": 0, "owned_by": "mock",
                     "type": "model", "display_name": name} for name in names]})
            return
        self._json(404, {"error": {"message": f"mock has no GET {path}", "type": "not_found"}})

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        self._log(body)
        path = urlparse(self.path).path
        if path.endswith("/messages/count_tokens"):
            self._json(200, {"input_tokens": 1200})
        elif path.endswith("/messages"):
            self.handle_anthropic(body)
        elif path.endswith("/responses"):
            self.handle_responses(body)
        elif path.endswith("/chat/completions"):
            self.handle_chat(body)
        elif ":countTokens" in path:
            self._json(200, {"totalTokens": 1200})
        elif ":streamGenerateContent" in path:
            self.handle_gemini(body, path, stream=True)
        elif ":generateContent" in path:
            self.handle_gemini(body, path, stream=False)
        else:
            self._json(404, {"error": {"message": f"mock has no POST {path}", "type": "not_found"}})

    # Anthropic Messages

    def handle_anthropic(self, body):
        conversation = anthropic_conversation(body)
        model = body.get("model", "claude-mock")
        text, tool = self._plan(conversation, body.get("output_format") or {})
        usage = {"input_tokens": 1200, "output_tokens": 80, "cache_creation_input_tokens": 0,
                 "cache_read_input_tokens": 0}
        tool_input = tool_arguments(*tool) if tool else None
        if not body.get("stream"):
            content = [{"type": "text", "text": text}]
            if tool:
                content.append({"type": "tool_use", "id": "toolu_mock1", "name": tool[0], "input": tool_input})
            self._json(200, {"id": "msg_mock", "type": "message", "role": "assistant", "model": model,
                             "content": content, "stop_reason": "tool_use" if tool else "end_turn",
                             "stop_sequence": None, "usage": usage})
            return
        self._start_sse()
        self._event("message_start", {"type": "message_start", "message": {
            "id": "msg_mock", "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": dict(usage, output_tokens=1)}})
        self._event("content_block_start", {"type": "content_block_start", "index": 0,
                                             "content_block": {"type": "text", "text": ""}})
        self._event("ping", {"type": "ping"})
        for piece in chunks(text):
            self._pause()
            self._event("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                 "delta": {"type": "text_delta", "text": piece}})
        self._event("content_block_stop", {"type": "content_block_stop", "index": 0})
        if tool:
            self._event("content_block_start", {"type": "content_block_start", "index": 1, "content_block": {
                "type": "tool_use", "id": "toolu_mock1", "name": tool[0], "input": {}}})
            for piece in chunks(json.dumps(tool_input), 12):
                self._pause()
                self._event("content_block_delta", {"type": "content_block_delta", "index": 1,
                                                     "delta": {"type": "input_json_delta", "partial_json": piece}})
            self._event("content_block_stop", {"type": "content_block_stop", "index": 1})
        self._event("message_delta", {"type": "message_delta", "delta": {
            "stop_reason": "tool_use" if tool else "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": 80}})
        self._event("message_stop", {"type": "message_stop"})

    def _plan(self, conversation, json_format):
        """The answer's text and the tool to call (None when the answer ends the turn)."""
        if conversation.phase == "intro":
            return (INTRO if conversation.tool else AIDER_INTRO), conversation.tool
        if conversation.phase == "final":
            return FINAL, None
        schema = json_format.get("schema") if isinstance(json_format, dict) else None
        return (json.dumps(fill_schema(schema)) if schema else SIDE_ANSWER), None

    # OpenAI Responses

    def handle_responses(self, body):
        conversation = responses_conversation(body)
        model = body.get("model", "gpt-mock")
        fmt = ((body.get("text") or {}).get("format") or {})
        text, tool = self._plan(conversation, fmt if fmt.get("type") == "json_schema" else {})
        message = {"type": "message", "id": "msg_mock", "role": "assistant", "status": "completed",
                   "content": [{"type": "output_text", "text": text, "annotations": []}]}
        output = [message]
        call = None
        if tool:
            call = {"type": "function_call", "id": "fc_mock1", "call_id": "call_mock1", "name": tool[0],
                    "arguments": json.dumps(tool_arguments(*tool)), "status": "completed"}
            output.append(call)
        usage = {"input_tokens": 1200, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 80,
                 "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 1280}
        response = {"id": "resp_mock", "object": "response", "created_at": int(time.time()), "model": model,
                    "status": "completed", "output": output, "usage": usage}
        if not body.get("stream"):
            self._json(200, response)
            return
        self._start_sse()
        self._event("response.created", {"type": "response.created",
                                          "response": dict(response, status="in_progress", output=[])})
        self._event("response.output_item.added", {"type": "response.output_item.added", "output_index": 0,
                                                    "item": dict(message, status="in_progress", content=[])})
        self._event("response.content_part.added", {"type": "response.content_part.added", "item_id": "msg_mock",
                                                     "output_index": 0, "content_index": 0,
                                                     "part": {"type": "output_text", "text": "",
                                                              "annotations": []}})
        for piece in chunks(text):
            self._pause()
            self._event("response.output_text.delta", {"type": "response.output_text.delta", "item_id": "msg_mock",
                                                        "output_index": 0, "content_index": 0, "delta": piece})
        self._event("response.output_text.done", {"type": "response.output_text.done", "item_id": "msg_mock",
                                                   "output_index": 0, "content_index": 0, "text": text})
        self._event("response.output_item.done", {"type": "response.output_item.done", "output_index": 0,
                                                   "item": message})
        if call:
            self._pause()
            self._event("response.output_item.added", {"type": "response.output_item.added", "output_index": 1,
                                                        "item": dict(call, arguments="", status="in_progress")})
            self._event("response.output_item.done", {"type": "response.output_item.done", "output_index": 1,
                                                       "item": call})
        self._event("response.completed", {"type": "response.completed", "response": response})

    # OpenAI Chat Completions

    def handle_chat(self, body):
        conversation = chat_conversation(body)
        model = body.get("model", "gpt-mock")
        fmt = body.get("response_format") or {}
        text, tool = self._plan(conversation, (fmt.get("json_schema") or {}) if isinstance(fmt, dict) else {})
        call = None
        if tool:
            call = {"index": 0, "id": "call_mock1", "type": "function",
                    "function": {"name": tool[0], "arguments": json.dumps(tool_arguments(*tool))}}
        usage = {"prompt_tokens": 1200, "completion_tokens": 80, "total_tokens": 1280}
        base = {"id": "chatcmpl-mock", "created": int(time.time()), "model": model}
        if not body.get("stream"):
            message = {"role": "assistant", "content": text}
            if call:
                message["tool_calls"] = [{k: v for k, v in call.items() if k != "index"}]
            self._json(200, dict(base, object="chat.completion", usage=usage, choices=[
                {"index": 0, "message": message, "finish_reason": "tool_calls" if call else "stop"}]))
            return
        self._start_sse()
        chunk = dict(base, object="chat.completion.chunk")
        self._event(None, dict(chunk, choices=[{"index": 0, "delta": {"role": "assistant", "content": ""},
                                                "finish_reason": None}]))
        for piece in chunks(text):
            self._pause()
            self._event(None, dict(chunk, choices=[{"index": 0, "delta": {"content": piece}, "finish_reason": None}]))
        if call:
            self._event(None, dict(chunk, choices=[{"index": 0, "delta": {"tool_calls": [call]},
                                                    "finish_reason": None}]))
        self._event(None, dict(chunk, choices=[{"index": 0, "delta": {},
                                                "finish_reason": "tool_calls" if call else "stop"}]))
        if (body.get("stream_options") or {}).get("include_usage"):
            self._event(None, dict(chunk, choices=[], usage=usage))
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    # Gemini

    def handle_gemini(self, body, path, stream):
        conversation = gemini_conversation(body)
        model = path.split("/models/")[-1].split(":")[0]
        config = body.get("generationConfig") or {}
        schema = config.get("responseJsonSchema") or config.get("responseSchema")
        text, tool = self._plan(conversation, {"schema": schema} if schema else {})
        usage = {"promptTokenCount": 1200, "candidatesTokenCount": 80, "totalTokenCount": 1280}

        def candidate(parts, finish=None):
            value = {"content": {"role": "model", "parts": parts}, "index": 0}
            if finish:
                value["finishReason"] = finish
            return {"candidates": [value], "usageMetadata": usage, "modelVersion": model,
                    "responseId": "mock-response"}

        call_part = {"functionCall": {"name": tool[0], "args": tool_arguments(*tool)}} if tool else None
        if not stream:
            parts = [{"text": text}] + ([call_part] if call_part else [])
            self._json(200, candidate(parts, "STOP"))
            return
        self._start_sse()
        for piece in chunks(text):
            self._pause()
            self._event(None, candidate([{"text": piece}]))
        self._event(None, candidate([call_part] if call_part else [{"text": ""}], "STOP"))


class MockServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port=0, log_path=None, delay=0.02):
        super().__init__(("127.0.0.1", port), Handler)
        self.log = open(log_path, "a") if log_path else None
        self.log_lock = threading.Lock()
        self.delay = delay

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self):
        """Serves in a background thread; returns self."""
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", help="append every request, as JSON lines, to this file")
    parser.add_argument("--delay", type=float, default=0.02, help="seconds between streamed chunks")
    options = parser.parse_args()
    server = MockServer(options.port, options.log, options.delay)
    print(f"mock listening on {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
