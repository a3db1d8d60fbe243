## admin
adm_menu =
    🛠 <b>Admin</b>
    Commands: /users [search] · /user &lt;id|@name&gt; · /credit &lt;user&gt; &lt;amount&gt; [reason] · /debit … · /disable &lt;user&gt; · /enable &lt;user&gt; · /models · /setcost &lt;model&gt; &lt;cost&gt; · /enable_model &lt;name&gt; · /disable_model &lt;name&gt; · /addmodel · /versions &lt;model&gt; · /rollback &lt;model&gt; [version] · /stats · /broadcast [text] · /refund &lt;order&gt;
    Changes to money, accounts and models are shown for confirmation first.
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

    <b>Latest payments</b>
    { $payments }
adm_card_is_admin = 🛠 An administrator: cannot be disabled.
adm_payment_line =
    Order #{ $order } · { $stars } ⭐ · { $credits } { $credits ->
            [one] credit
           *[other] credits
        } · { $status } · { $date }
adm_payment_credited = paid
adm_payment_refund_pending = refund under way
adm_payment_refunded = refunded
adm_payment_refund_failed = refund refused
adm_active = active
adm_disabled = ⛔ disabled
adm_bad_amount = ⚠️ Bad amount “{ $amount }”: { $reason }.
adm_amount_nan = not a number
adm_amount_infinite = not finite
adm_amount_positive = must be positive
adm_amount_decimals = at most two decimals
adm_amount_max = at most { $max }
adm_insufficient = ⚠️ The balance is { $balance }, cannot debit { $amount }.
adm_balance_limit = ⚠️ That would take the balance over its limit.
adm_confirm_credit =
    💰 Credit { $amount } { $amount ->
            [one] credit
           *[other] credits
        } to @{ $username } (balance { $balance } → { $after })?
adm_confirm_debit =
    💸 Debit { $amount } { $amount ->
            [one] credit
           *[other] credits
        } from @{ $username } (balance { $balance } → { $after })?
adm_confirm_reason = Reason (for the admins' records): { $reason }
adm_credit_ask = 💰 How many credits for @{ $username }? The balance is { $balance }. Send the amount, and a reason after it if you like (e.g. <code>50 contest prize</code>).
adm_credit_ask_again = Send the amount to credit, e.g. <code>50</code>.
adm_credit_done =
    ✅ Credited { $amount } { $amount ->
            [one] credit
           *[other] credits
        } to @{ $username }. Balance: { $balance }.
adm_debit_done =
    ✅ Debited { $amount } { $amount ->
            [one] credit
           *[other] credits
        } from @{ $username }. Balance: { $balance }.
adm_confirm_disable = ⛔ Disable @{ $username }? They will not be able to use the bot until enabled again, and will be told.
adm_confirm_enable = ✅ Enable @{ $username } again? They will be told.
adm_disable_refused_self = ⛔ You cannot disable your own account.
adm_disable_refused_admin = ⛔ @{ $username } is an administrator and cannot be disabled. Remove them from ADMIN_IDS first.
adm_already_disabled = ℹ️ @{ $username } is already disabled.
adm_already_enabled = ℹ️ @{ $username } is not disabled.
adm_disabled_done = ⛔ @{ $username } is disabled.
adm_enabled_done = ✅ @{ $username } is enabled.
adm_told_told = ✉️ The user has been told.
adm_told_unreachable = 📭 The user was not told: they have blocked the bot.
adm_told_no_chat = 📭 The user was not told: the account has no Telegram chat.
adm_told_failed = 📭 The user could not be told: Telegram did not deliver the message.
adm_action_cancelled = ✖ Cancelled. Nothing was changed.
adm_already_done = ℹ️ This was done already.
adm_confirm_stale = This confirmation is out of date. Run the command again.
adm_working = ⏳ Working…
adm_models =
    🧠 <b>Models</b> (tap one to switch it on or off; you will be asked to confirm)
    { $items }
adm_model_not_found = ⚠️ No model “{ $name }”.
adm_confirm_model_on = ✅ Switch on <code>{ $name }</code>? Users will see it in the catalogue.
adm_confirm_model_off = ⛔ Switch off <code>{ $name }</code>? Users will no longer be able to run it.
adm_model_on = ✅ Model { $name } is enabled.
adm_model_off = ⛔ Model { $name } is disabled.
adm_confirm_setcost =
    🏷 Change the price of <code>{ $name }</code> from { $old } to { $cost } { $cost ->
            [one] credit
           *[other] credits
        } a run?
adm_cost_set =
    ✅ { $name } now costs { $cost } { $cost ->
            [one] credit
           *[other] credits
        }.
adm_addmodel_file = Send the model as a <b>.skops</b> file: a fitted scikit-learn estimator or pipeline saved with <code>skops.io.dump(model, "model.skops")</code>. It is checked first; then you send its metadata. To replace a model, send a new version under the same name.
adm_file_checked =
    ✅ The file is a safe model: <code>{ $kind }</code>, { $inputs }{ $classes }.
adm_file_inputs =
    { $count } { $count ->
            [one] input
           *[other] inputs
        }
adm_file_inputs_unknown = the file does not say how many inputs it takes
adm_file_classes = ; classes: { $names }
adm_addmodel_meta =
    Now send its metadata as JSON. This example fits the file; copy it, then change the name, texts, ranges and examples:
    <pre>{ $example }</pre>
    <code>texts</code> holds the words in other languages (optional).
adm_addmodel_meta_file = Now send its metadata as JSON. The example in the file above fits this model (too long for a message); edit it and send its text.
adm_upload_bad_json = ⚠️ That is not valid JSON: { $detail } (line { $line }, column { $column }).
adm_upload_bad_json_number = ⚠️ That JSON has a number the bot cannot read (too long, NaN or Infinity).
adm_upload_not_object = ⚠️ The metadata must be a JSON object: <code>{"{"} … {"}"}</code>.
adm_upload_bad_cost = ⚠️ Bad cost: { $detail }.
adm_upload_bad_meta = ⚠️ Invalid metadata: <code>{ $detail }</code>
adm_upload_too_big = ⚠️ The model file is too big ({ $max_mb } MB at most).
adm_upload_load_failed = ⚠️ The file does not load as a model: <code>{ $detail }</code>
adm_upload_no_predict = ⚠️ The file holds no model: its object cannot make predictions (it has no predict() method).
adm_upload_feature_count =
    ⚠️ The file's model expects { $expected } { $expected ->
            [one] input
           *[other] inputs
        }, but the metadata lists { $declared }.
adm_upload_feature_index =
    ⚠️ The file's model reads at least { $expected } { $expected ->
            [one] input
           *[other] inputs
        }, but the metadata lists { $declared }.
adm_upload_class_count =
    ⚠️ The file's model has { $expected } { $expected ->
            [one] class
           *[other] classes
        }, but the metadata lists { $declared }.
adm_upload_predict_failed = ⚠️ The model failed on the example from the metadata: <code>{ $detail }</code>
adm_addmodel_not_skops = ⚠️ Please send a <b>.skops</b> file (<code>skops.io.dump(model, "model.skops")</code>).
adm_addmodel_pickle_refused = ⛔ Pickle files (.joblib, .pkl) can run any code when they are opened, so the bot does not accept them. Save the model with <code>skops.io.dump(model, "model.skops")</code> and send that file.
adm_upload_untrusted = ⛔ The file needs types the bot does not trust: <code>{ $detail }</code>. Nothing was stored. If they are your own classes and you trust them, add them to MODEL_TRUSTED_TYPES.
adm_upload_not_skops = ⚠️ That is not a skops model file (<code>skops.io.dump(model, "model.skops")</code> makes one).
adm_upload_unpacks_too_big = ⚠️ The file unpacks to more than { $max_mb } MB, so it was not opened.
adm_upload_broken_tree = ⚠️ The file's decision trees are damaged (their nodes do not fit together), so it was not loaded.
adm_upload_busy = ⚠️ Another version of this model was stored at the same moment. Check /versions and send it again if needed.
adm_upload_ready =
    🧪 <b>{ $title }</b> (<code>{ $name }</code>) is checked, { $replaces }: { $count } { $count ->
            [one] input
           *[other] inputs
        }, { $cost } { $cost ->
            [one] credit
           *[other] credits
        } a run.
    With the example ({ $example }) it predicts:
    { $result }

    Send other values to try them (as users type them), or new metadata. Users see nothing until you tap Publish.
adm_upload_new = not published yet
adm_upload_replaces = not published yet (it will replace the version served now)
adm_upload_tried =
    🧪 With { $values } it predicts:
    { $result }
adm_upload_stale = This upload is no longer waiting (it was published or cancelled). Send /addmodel to start again.
adm_upload_published_already = This model is published already.
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
    📊 <b>Stats</b> · { $period }
    Users: { $users } ({ $active } active) · new: { $new }
    Predictions: { $runs } (✅ { $completed } · ❌ { $failed })
    <b>By model</b> (runs · credits earned):
    { $by_model }
    Credits spent: { $spent } · refunded: { $refunded } · credited: { $credited }
    Stars: { $payments } { $payments ->
            [one] payment
           *[other] payments
        }, { $stars_paid } ⭐ paid, { $stars_refunded } ⭐ refunded · revenue <b>{ $stars } ⭐</b>
adm_stats_model =
    • { $name }: { $runs } { $runs ->
            [one] run
           *[other] runs
        } (❌ { $failed }) · { $spent } { $spent ->
            [one] credit
           *[other] credits
        }
adm_stats_all = all time
adm_stats_days =
    last { $days } { $days ->
            [one] day
           *[other] days
        }
adm_broadcast_ask = 📣 Send the text to broadcast to all active users (in English; bold, italics and links are kept):
adm_broadcast_ask_lang = 📣 Now the same text in { $language } for users who chose it, or tap Skip: they get the English one.
adm_broadcast_too_long =
    ⚠️ The text has { $count } { $count ->
            [one] character
           *[other] characters
        }; a broadcast takes at most { $max }. Send a shorter one.
adm_broadcast_preview = 📣 Broadcast this to all active users who have notifications on?
adm_broadcast_started =
    📣 Sending to { $count } { $count ->
            [one] user
           *[other] users
        }…
adm_broadcast_done = 📣 Broadcast done: { $sent } sent, { $failed } failed, { $skipped } skipped (blocked the bot; they get broadcasts again once they write to it), { $opted_out } with notifications off.
adm_broadcast_stale = This preview is out of date. Send /broadcast again.
adm_broadcast_already_sent = This broadcast has already been sent.
adm_refund_changed = ⚠️ The payment changed meanwhile. Look at it again and retry.
adm_confirm_refund =
    ↩️ Refund order #{ $order } of @{ $username }: { $stars } ⭐ go back to them, and { $credits } { $credits ->
            [one] credit is
           *[other] credits are
        } taken back from the balance?
btn_adm_confirm = ✅ Confirm
btn_adm_credit = 💰 Credit
btn_adm_refund = ↩️ Refund #{ $order } ({ $stars } ⭐)
btn_adm_card = 👤 User card
btn_adm_publish = 🚀 Publish
btn_adm_try_example = 🧪 Try the example
btn_adm_stats_all = All time
btn_adm_stats_days = { $days } d
btn_adm_broadcast_skip = ⏭ Skip
