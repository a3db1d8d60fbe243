## admin
adm_menu =
    🛠 <b>Admin</b>
    Commands: /users [search] · /user &lt;id|@name&gt; · /credit &lt;user&gt; &lt;amount&gt; [reason] · /debit … · /disable &lt;user&gt; · /enable &lt;user&gt; · /models · /setcost &lt;model&gt; &lt;cost&gt; · /enable_model &lt;name&gt; · /disable_model &lt;name&gt; · /addmodel · /versions &lt;model&gt; · /rollback &lt;model&gt; [version] · /stats · /broadcast [text] · /refund &lt;order&gt;
adm_refused = ⛔ This command is for administrators.
adm_refused_group = ⛔ Admin commands work only in a private chat with the bot.
adm_users = 👥 <b>Users</b> (page { $page }/{ $pages }, search: { $query })
adm_no_users = No users found.
adm_user_not_found = ⚠️ No user “{ $ref }”. Use #id, id, @username, email or tg:telegram_id.
adm_usage_user = Usage: /user &lt;#id | @username | email | tg:telegram_id&gt;
adm_usage_credit = Usage: /credit &lt;user&gt; &lt;amount&gt; [reason]
adm_usage_debit = Usage: /debit &lt;user&gt; &lt;amount&gt; [reason]
adm_usage_disable = Usage: /disable &lt;user&gt;
adm_usage_enable = Usage: /enable &lt;user&gt;
adm_usage_setcost = Usage: /setcost &lt;model&gt; &lt;cost&gt;
adm_usage_model_switch = Usage: /{ $command } &lt;model name&gt;
adm_user_card =
    👤 <b>#{ $id } @{ $username }</b>
    Email: { $email } · Telegram: { $tg }
    Balance: <b>{ $balance }</b> · { $status } · since { $created }

    <b>Latest predictions</b>
    { $predictions }
adm_active = active
adm_disabled = ⛔ disabled
adm_bad_amount = ⚠️ Bad amount “{ $amount }”: { $reason }.
adm_insufficient = ⚠️ The balance is { $balance }, cannot debit { $amount }.
adm_balance_limit = ⚠️ That would exceed the balance limit.
adm_credit_done = ✅ Credited { $amount } to @{ $username }. Balance: { $balance }.
adm_debit_done = ✅ Debited { $amount } from @{ $username }. Balance: { $balance }.
adm_disabled_done = ⛔ @{ $username } is disabled.
adm_enabled_done = ✅ @{ $username } is enabled.
adm_models =
    🧠 <b>Models</b> (tap to switch on/off)
    { $items }
adm_model_not_found = ⚠️ No model “{ $name }”.
adm_model_on = ✅ Model { $name } is enabled.
adm_model_off = ⛔ Model { $name } is disabled.
adm_cost_set =
    ✅ { $name } now costs { $cost } { $cost ->
            [one] credit
           *[other] credits
        }.
adm_addmodel_file = Send the model as a <b>.skops</b> file: a fitted scikit-learn estimator or pipeline saved with <code>skops.io.dump(model, "model.skops")</code>. To replace a model, send a new version under the same name.
adm_addmodel_meta =
    Now its metadata as JSON, e.g.:
    <code>{"{"}"name": "my_model", "title": "My model", "description": "…", "task": "classification", "algorithm": "RandomForest", "class_names": ["no", "yes"], "cost": 2, "features": [{"{"}"name": "x1", "description": "…", "min": 0, "max": 10, "example": 1{"}"}]{"}"}</code>
adm_upload_bad_json = ⚠️ That is not valid JSON: { $detail }
adm_upload_bad_cost = ⚠️ Bad cost: { $detail }.
adm_upload_bad_meta = ⚠️ Invalid metadata: { $detail }
adm_upload_too_big = ⚠️ The model file is too big ({ $max_mb } MB at most).
adm_upload_load_failed = ⚠️ The file does not load as a model: { $detail }
adm_upload_no_predict = ⚠️ The object has no predict() method.
adm_upload_feature_count = ⚠️ The model expects { $expected } features, the metadata declares { $declared }.
adm_upload_class_count = ⚠️ The model has { $expected } classes, the metadata declares { $declared }.
adm_upload_predict_failed = ⚠️ The model failed on the declared example: { $detail }
adm_addmodel_not_skops = ⚠️ Please send a <b>.skops</b> file (<code>skops.io.dump(model, "model.skops")</code>).
adm_addmodel_pickle_refused = ⛔ Pickle files (.joblib, .pkl) can run any code when they are opened, so the bot does not accept them. Save the model with <code>skops.io.dump(model, "model.skops")</code> and send that file.
adm_upload_untrusted = ⛔ The file needs types the bot does not trust: <code>{ $detail }</code>. Nothing was stored. If they are your own classes and you trust them, add them to MODEL_TRUSTED_TYPES.
adm_upload_not_skops = ⚠️ That is not a skops model file: { $detail }.
adm_upload_busy = ⚠️ Another version of this model was stored at the same moment. Check /versions and send it again if needed.
adm_convert_not_a_model = ⚠️ The pickle does not hold a model (an object with a predict() method).
adm_convert_failed = ⚠️ The pickle could not be converted to a skops file. The details are in the bot's log.
adm_convert_limits = ⛔ Converting the pickle went over its memory or time limit and was stopped.
adm_convert_too_big = ⛔ The converted model came out larger than { $max_mb } MB, the upload limit, and the conversion was stopped.
adm_convert_isolation = ⛔ This server cannot isolate the conversion (the kernel refuses user namespaces, Landlock or seccomp), so pickles are not converted here. Save the model with <code>skops.io.dump(model, "model.skops")</code> and send that file.
adm_model_added =
    ✅ Model <b>{ $title }</b> (<code>{ $name }</code>) added as version { $number }: { $count } { $count ->
            [one] input
           *[other] inputs
        }, { $cost } { $cost ->
            [one] credit
           *[other] credits
        }, sha256 { $sha }…
adm_model_replaced =
    ✅ Model <b>{ $title }</b> (<code>{ $name }</code>) updated to version { $number } (was { $previous }): { $count } { $count ->
            [one] input
           *[other] inputs
        }, { $cost } { $cost ->
            [one] credit
           *[other] credits
        }, sha256 { $sha }…
    To go back: /rollback { $name } { $previous }
adm_usage_versions = Usage: /versions &lt;model&gt;
adm_versions =
    🗂 Versions of <code>{ $name }</code>:
    { $items }
adm_version_line = v{ $number } · { $when } · sha256 { $sha }… · { $by }{ $served }
adm_version_served = served
adm_usage_rollback = Usage: /rollback &lt;model&gt; [version]: without a version, the one before the served one.
adm_rollback_none = ⚠️ <code>{ $name }</code> has no earlier version.
adm_rollback_same = ℹ️ <code>{ $name }</code> already serves version { $number }.
adm_version_not_found = ⚠️ <code>{ $name }</code> has no version { $number }. See /versions { $name }.
adm_version_unreadable = ⚠️ Version { $number } of <code>{ $name }</code> has metadata this bot cannot read (see the log); it still serves the same version.
adm_rolled_back = ✅ <code>{ $name }</code> now serves version { $number } (was { $previous }), on every process.
adm_stats =
    📊 <b>Stats</b>
    Users: { $users } ({ $active } active)
    Predictions: ✅ { $completed } · ❌ { $failed } · ⏳ { $pending }
    { $by_model }
    Credits spent: { $spent } · refunded: { $refunded } · credited: { $credited }
adm_broadcast_ask = 📣 Send the text to broadcast to all active users:
adm_broadcast_preview =
    📣 Broadcast this to all active users?

    { $text }
adm_broadcast_started =
    📣 Sending to { $count } { $count ->
            [one] user
           *[other] users
        }…
adm_broadcast_done = 📣 Broadcast done: { $sent } sent, { $failed } failed, { $skipped } skipped (blocked the bot; they get broadcasts again once they write to it).
adm_broadcast_stale = This preview is out of date. Send /broadcast again.
adm_broadcast_already_sent = This broadcast has already been sent.
