use super::*;

fn screen(rows: &[&str], cursor_row: usize, title: Option<&str>) -> Snapshot {
    Snapshot {
        rows: rows.iter().map(|row| row.to_string()).collect(),
        cursor_row,
        title: title.map(str::to_owned),
    }
}

#[test]
fn every_builtin_file_parses_and_names_its_agent() {
    for (name, text) in BUILTIN {
        let rules = AgentRules::parse(Path::new(name), text).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(format!("{}.toml", rules.agent), name);
    }
    let book = RuleBook::builtin();
    for agent in ["claude", "codex", "gemini", "aider", "shell"] {
        assert!(book.agent(agent).is_some(), "{agent}");
    }
    assert_eq!(book.agent("claude").unwrap().resume_args, ["--continue"]);
    assert_eq!(
        book.resumed("/usr/local/bin/codex --model o4").as_deref(),
        Some("/usr/local/bin/codex --model o4 resume --last")
    );
    assert_eq!(book.resumed("gemini").as_deref(), Some("gemini --resume latest"));
    assert_eq!(
        book.resumed("aider").as_deref(),
        Some("aider --restore-chat-history")
    );
    assert_eq!(
        book.resumed("sh -c 'claude; exec bash'"),
        None,
        "a shell resumes nothing"
    );
}

#[test]
fn blocked_outranks_working_outranks_ready_and_the_reason_is_the_question() {
    let book = RuleBook::builtin();
    let asking = screen(
        &[
            "● Running",
            " Do you want to proceed?",
            " ❯ 1. Yes",
            "❯ ",
            "esc to interrupt",
        ],
        3,
        Some("◐ Claude Code"),
    );
    let verdict = book.classify("claude", &asking).unwrap();
    assert_eq!(verdict.kind, VerdictKind::Blocked);
    assert_eq!(verdict.reason.as_deref(), Some("Do you want to proceed?"));
    let busy = screen(&["❯ ", "  ⏸ manual mode on · esc to interrupt"], 0, None);
    assert_eq!(book.classify("claude", &busy).unwrap().kind, VerdictKind::Working);
    let spinning_title = screen(&["❯ "], 0, Some("◑ Claude Code"));
    assert_eq!(
        book.classify("claude", &spinning_title).unwrap().kind,
        VerdictKind::Working
    );
    let waiting = screen(&["❯ ", "  ? for shortcuts"], 0, Some("✳ Claude Code"));
    let verdict = book.classify("claude", &waiting).unwrap();
    assert_eq!((verdict.kind, verdict.reason), (VerdictKind::Ready, None));
    assert_eq!(book.classify("claude", &screen(&["loading"], 0, None)), None);
    assert_eq!(book.classify("no-such-agent", &waiting), None);
    // A permission prompt whose question was written over (drawn for a wider terminal)
    // still shows its footer: blocked, for the reason the rule gives.
    let footer_only = screen(
        &[
            "❯Do you want to proceed?",
            " ❯ 2. Yes, and always allow access to /src",
            "",
            " Esc to cancel · Tab to amend",
        ],
        1,
        None,
    );
    let verdict = book.classify("claude", &footer_only).unwrap();
    assert_eq!(verdict.kind, VerdictKind::Blocked);
    assert_eq!(verdict.reason.as_deref(), Some("a permission prompt"));
    // With the question on screen, the question is the reason.
    let mut whole = footer_only.clone();
    whole.rows[0] = " Do you want to proceed?".into();
    let verdict = book.classify("claude", &whole).unwrap();
    assert_eq!(verdict.reason.as_deref(), Some("Do you want to proceed?"));
}

#[test]
fn cursor_line_rules_look_at_the_cursor_row_only() {
    let book = RuleBook::builtin();
    // An old question above the prompt is history, not a question.
    let answered = screen(
        &["Run shell command? (Y)es/(N)o/(D)on't ask again [Yes]: y", "> "],
        1,
        None,
    );
    assert_eq!(
        book.classify("aider", &answered).unwrap().kind,
        VerdictKind::Ready
    );
    let asking = screen(
        &["Add command output to the chat? (Y)es/(N)o/(D)on't ask again [Yes]: "],
        0,
        None,
    );
    let verdict = book.classify("aider", &asking).unwrap();
    assert_eq!(verdict.reason.as_deref(), Some("Add command output to the chat?"));
}

#[test]
fn a_reason_is_one_squeezed_line_of_bounded_length() {
    let book = RuleBook::builtin();
    let boxed = screen(&["│ Allow execution of [Shell]?                   │"], 0, None);
    let verdict = book.classify("gemini", &boxed).unwrap();
    assert_eq!(verdict.reason.as_deref(), Some("Allow execution of [Shell]?"));
    let long = format!("Do you want to {}?", "x".repeat(500));
    let verdict = book.classify("claude", &screen(&[&long], 0, None)).unwrap();
    assert_eq!(verdict.reason.unwrap().chars().count(), REASON_CHARS);
}

#[test]
fn user_files_replace_and_add_agents_and_bad_files_are_reported() {
    let dir = std::env::temp_dir().join(format!("perdix-agent-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("claude.toml"),
        "agent = \"claude\"\nwords = [\"claude\"]\n[[blocked]]\nscreen = 'PLEASE (ANSWER)'\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("opencode.toml"),
        "agent = \"opencode\"\nwords = [\"opencode\"]\n[[ready]]\ntitle = 'idle'\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("broken.toml"),
        "agent = \"x\"\n[[ready]]\nscreen = '('\n",
    )
    .unwrap();
    std::fs::write(dir.join("typo.toml"), "agnet = \"x\"\n").unwrap();
    std::fs::write(dir.join("notes.txt"), "not a rule file").unwrap();
    let (book, errors) = RuleBook::load(Some(&dir));
    std::fs::remove_dir_all(&dir).unwrap();
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].contains("broken.toml: ready rule 1"), "{messages:?}");
    assert!(messages[1].contains("typo.toml"), "{messages:?}");
    let asking = screen(&["PLEASE ANSWER"], 0, None);
    assert_eq!(
        book.classify("claude", &asking).unwrap().reason.as_deref(),
        Some("ANSWER")
    );
    // The replaced file's rules are gone with it.
    assert_eq!(book.classify("claude", &screen(&["❯ "], 0, None)), None);
    assert_eq!(book.agent_of_command(&["/opt/bin/opencode"]), Some("opencode"));
    let idle = screen(&[""], 0, Some("opencode idle"));
    assert_eq!(book.classify("opencode", &idle).unwrap().kind, VerdictKind::Ready);
    // A folder that is not there is no error.
    assert!(RuleBook::load(Some(Path::new("/nonexistent/perdix/agents")))
        .1
        .is_empty());
}

#[test]
fn the_readme_example_rule_file_parses_and_works() {
    let readme = include_str!("../../../README.md");
    let start = readme
        .find("```toml\nagent = \"opencode\"")
        .expect("the example in the README")
        + "```toml\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let rules = AgentRules::parse(Path::new("README.md"), &readme[start..end]).unwrap();
    assert_eq!(rules.resume_args, ["--continue"]);
    let asking = screen(&["  Allow edit of main.rs?"], 0, None);
    assert_eq!(
        rules
            .classify(&asking)
            .and_then(|verdict| verdict.reason)
            .as_deref(),
        Some("Allow edit of main.rs?")
    );
    let confirming = screen(&["  Apply the plan", "  Enter to confirm"], 1, None);
    assert_eq!(
        rules
            .classify(&confirming)
            .and_then(|verdict| verdict.reason)
            .as_deref(),
        Some("a confirmation")
    );
    assert_eq!(
        rules
            .classify(&screen(&[""], 0, Some("⠙ thinking")))
            .unwrap()
            .kind,
        VerdictKind::Working
    );
    assert_eq!(
        rules.classify(&screen(&["> hi"], 0, None)).unwrap().kind,
        VerdictKind::Ready
    );
}
