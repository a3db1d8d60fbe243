### English texts (Project Fluent). HTML parse mode; callers escape what they pass in.
### Amounts and counts are numbers: { $n } formats them per locale, and { $n -> [one] … *[other] … }
### picks the CLDR plural form.

## commands (setMyCommands)
cmd_start = Start / main menu
cmd_predict = Make a prediction
cmd_balance = Balance and latest transactions
cmd_history = Your predictions
cmd_topup = Top up credits
cmd_language = Language
cmd_help = What this bot does
cmd_login = Sign in to an existing account
cmd_cancel = Cancel the current dialog

## buttons
btn_predict = 🔮 Predict
btn_balance = 💰 Balance
btn_history = 📜 History
btn_topup = ➕ Top up
btn_language = 🌐 Language
btn_help = ❓ Help
btn_admin = 🛠 Admin
btn_menu = 🏠 Menu
btn_cancel = ✖ Cancel
btn_back = ◀ Back
btn_use_username = Use @{ $username }
btn_model = { $title } · { $cost } cr
btn_start_input = ▶ Enter inputs
btn_batch = 📄 Batch from a CSV file
btn_back_catalogue = ◀ All models
btn_use_example = Use example: { $example }
btn_confirm = ✅ Confirm and pay { $cost } cr
btn_edit = ✏️ Re-enter
btn_repeat = 🔁 Repeat
btn_other_model = 🔮 Another model
btn_transactions = 💳 Transactions
btn_back_history = ◀ History
btn_send = 📣 Send to everyone
btn_adm_users = 👥 Users
btn_adm_models = 🧠 Models
btn_adm_stats = 📊 Stats
btn_adm_broadcast = 📣 Broadcast
btn_adm_disable = ⛔ Disable
btn_adm_enable = ✅ Enable

## registration and sign-in
reg_welcome =
    👋 Welcome! This bot makes machine-learning predictions for credits.
    Let's create your account: it takes three short steps, and you get <b>{ $credits } { $credits ->
            [one] free credit
           *[other] free credits
        }</b>.
reg_ask_username = Step 1/3. Choose a <b>username</b>: 3–32 latin letters, digits, <code>_ . -</code>
reg_ask_email = Nice, <b>{ $username }</b>. Step 2/3. Your <b>email</b>:
reg_ask_password =
    Step 3/3. Choose a <b>password</b>: at least 8 characters, with letters and digits.
    I delete your message right after reading it.
reg_done =
    🎉 Account <b>{ $name }</b> created. Your balance: <b>{ $balance }</b> { $balance ->
            [one] credit
           *[other] credits
        }.
login_ask_email = Sign in to an existing account. Your <b>email</b>:
login_ask_password = Your <b>password</b> (I delete the message right after reading it):
login_done = ✅ Signed in as <b>{ $name }</b>. This Telegram account is now linked to it.
login_already = You are already signed in as <b>{ $name }</b>.
err_bad_username = ⚠️ That username won't do: use 3–32 latin letters, digits, <code>_ . -</code>. Try another:
err_username_taken = ⚠️ The username <b>{ $username }</b> is taken. Try another:
err_bad_email = ⚠️ That doesn't look like an email address (like <code>name@example.com</code>). Try again:
err_email_taken = ⚠️ An account with this email already exists. Use /login to sign in to it, or enter another email:
err_weak_password = ⚠️ Too weak: at least 8 characters, with letters and digits, no spaces at the ends. Try another:
err_long_password = ⚠️ Too long: 128 characters at most. Try another:
err_telegram_taken = ⚠️ This Telegram account is already linked to an account.
err_duplicate = ⚠️ Someone just took that username or email. Please choose again:
err_bad_credentials = ⚠️ Wrong email or password. Enter your email again:
err_disabled = ⛔ This account is disabled. Contact support.
err_bad_credentials_short = ⚠️ Wrong email or password.
err_login_not_email = ⚠️ That doesn't look like an email address, so I deleted the message in case it was your password. Your <b>email</b>:
err_login_blocked = ⏳ Too many failed sign-in attempts. Please try again in { $wait }.
wait_seconds = { $n } s
wait_minutes = { $n } min
login_moved_away = 🔐 Your account <b>{ $name }</b> is now linked to another Telegram account: someone has just signed in to it with /login. If that was not you, contact support.
need_text = Please answer with a text message, or tap Cancel.
need_registration = 👋 Please register first: send /start (or /login if you already have an account).

## general
menu =
    👤 <b>{ $name }</b> · balance <b>{ $balance }</b> { $balance ->
            [one] credit
           *[other] credits
        }
    What would you like to do?
cancelled = Cancelled.
cancelled_unregistered = Cancelled. Send /start whenever you like.
nothing_to_cancel = There is nothing to cancel.
unknown_input = I didn't get that. Use the menu below or /help.
button_expired = This button is out of date. Open the menu again with /start.
not_found = Not found.
throttled = ⏳ Too many requests: please slow down a little.
blocked = ⛔ Your account is disabled. If you think this is a mistake, contact support.
error = 😔 Something went wrong on our side. Your credits are safe. Error id: <code>{ $id }</code>
error_alert = 😔 Something went wrong on our side. Your credits are safe. Error id: { $id }
choose_language = Choose your language:
language_set = ✅ Language: English
help =
    <b>What this bot does</b>
    It runs machine-learning models on the values you send and tells you the result: a class with its probabilities, or a number. Each prediction costs credits; a failed one is refunded automatically.

    <b>Models and costs</b> (credits per prediction)
    { $costs }

    <b>How to use it</b>
    • /predict: pick a model, enter its inputs one by one (or paste all at once: <code>5.1, 3.5, 1.4, 0.2</code> or <code>name=value</code> pairs), confirm, get the result.
    • A CSV file with a header of input names predicts many rows at once, charged per valid row.
    • /balance, /history, /topup, /paysupport, /language, /login, /cancel.

    New accounts get { $credits } { $credits ->
            [one] free credit
           *[other] free credits
        }.

## balance and transactions
balance =
    💰 Balance: <b>{ $balance }</b> { $balance ->
            [one] credit
           *[other] credits
        }

    <b>Latest transactions</b>
    { $latest }
no_transactions = No transactions yet.
transactions =
    💳 <b>Transactions</b> (page { $page }/{ $pages })
    { $items }

## catalogue and model card
catalogue = 🔮 <b>Choose a model</b> (cost in credits per prediction):
catalogue_empty = No models are available right now. Please try later.
model_unavailable = ⚠️ This model is not available right now. Choose another one.
model_changed = ⚠️ This model has just been updated, so nothing was charged. Please open it again and re-enter the data.
metric_accuracy = accuracy { $value }% on held-out data
metric_r2 = R² { $r2 }, mean error { $mae } on held-out data
model_card =
    <b>{ $title }</b>
    { $description }

    🧠 { $algorithm } · { $metric }
    💳 Cost: <b>{ $cost }</b> { $cost ->
            [one] credit
           *[other] credits
        } · your balance: <b>{ $balance }</b>

    <b>Inputs ({ $count })</b>
    { $inputs }

    Example, all at once:
    <code>{ $example }</code>
card_more_inputs = … and { $count } more
expect_number = a number from { $min } to { $max }
expect_int = a whole number from { $min } to { $max }
expect_category = one of: { $options }
insufficient = ⚠️ Not enough credits: this costs <b>{ $cost }</b>, your balance is <b>{ $balance }</b>. Top up to continue.

## step-by-step input
step =
    <b>{ $i }/{ $n }. { $name }</b>
    { $description }
    Expected: { $expected }
    Example: <code>{ $example }</code>
step_paste_hint =
    💡 You can also paste all { $count } { $count ->
            [one] value
           *[other] values
        } in one message.
need_value = Please send the value as a text message.
err_in_not_a_number = ⚠️ <b>{ $feature }</b>: “{ $got }” is not a number. Expected { $expected }.
err_in_not_finite = ⚠️ <b>{ $feature }</b>: must be a finite number. Expected { $expected }.
err_in_out_of_range = ⚠️ <b>{ $feature }</b>: { $got } is out of range. Expected { $expected }.
err_in_not_integer = ⚠️ <b>{ $feature }</b>: { $got } is not a whole number. Expected { $expected }.
err_in_unknown_category = ⚠️ <b>{ $feature }</b>: “{ $got }” is not allowed. Expected { $expected }.
err_in_empty = ⚠️ <b>{ $feature }</b>: no value given. Expected { $expected }.
err_in_empty_all =
    ⚠️ No values given: send { $count } { $count ->
            [one] value
           *[other] values
        }.
err_in_wrong_count =
    ⚠️ Expected <b>{ $count }</b> { $count ->
            [one] value
           *[other] values
        }, got <b>{ $got }</b>. Separate values with commas, spaces or semicolons (with decimal commas, use spaces or semicolons).
err_in_unknown_feature = ⚠️ Unknown input “{ $feature }”. Inputs: { $allowed }.
err_in_duplicate_feature = ⚠️ <b>{ $feature }</b> is given twice.
err_in_missing_features = ⚠️ Missing inputs: { $missing }.
err_in_bad_pairs = ⚠️ Write every value as <code>name=value</code>, or give plain values in order.
err_in_too_long =
    ⚠️ The message is too long ({ $max } { $max ->
            [one] character
           *[other] characters
        } at most).

## confirmation and result
confirm =
    <b>{ $title }</b>: please check

    { $inputs }

    💳 Cost: <b>{ $cost }</b> { $cost ->
            [one] credit
           *[other] credits
        }
    Balance: { $balance } → <b>{ $after }</b>
confirm_insufficient =
    <b>{ $title }</b>

    { $inputs }

    ⚠️ Not enough credits: this costs <b>{ $cost }</b>, your balance is <b>{ $balance }</b>. Top up to continue.
confirm_waiting = Please use the buttons above: ✅ Confirm, ✏️ Re-enter or ✖ Cancel.
confirm_expired = This confirmation is out of date. Start again with /predict.
price_changed = ⚠️ The price has changed: it was { $was }, now it is { $now }. Please check and confirm again.
running_short = Running…
running = ⏳ <b>{ $title }</b>: running the model…
still_running = ⏳ Prediction #{ $id } is still running; the result will appear here.
already_processed = ℹ️ Already done: you were charged once.
already_processed_short = Already done: charged once.
result =
    ✅ <b>{ $title }</b> · prediction #{ $id }

    { $result }

    💳 Charged <b>{ $cost }</b> { $cost ->
            [one] credit
           *[other] credits
        } · balance <b>{ $balance }</b>
result_label = Prediction: <b>{ $label }</b>
result_value = Prediction: <b>{ $value }</b>
failed_refunded =
    ❌ <b>{ $title }</b> · prediction #{ $id } failed: { $reason }

    ↩️ Your credits were refunded · balance <b>{ $balance }</b>
failed_reason = Failed: { $reason } (refunded)
recovered_summary =
    ♻️ The bot restarted while some of your predictions were running. They are all settled now.
    Completed: <b>{ $completed }</b> · failed, credits refunded: <b>{ $refunded }</b>
    Balance: <b>{ $balance }</b> cr. The results are in your history.

## history
history =
    📜 <b>Your predictions</b> (page { $page }/{ $pages })

    { $items }
history_line = { $icon } #{ $id } · { $title } · { $result } · { $date }
history_empty = 📜 No predictions yet. Try /predict!
status_completed = completed
status_failed = failed
status_pending = running
prediction_detail =
    <b>Prediction #{ $id }</b> · { $title }
    Status: { $status } · { $date }
    Cost: { $cost } { $cost ->
            [one] credit
           *[other] credits
        }

    <b>Inputs</b>
    { $inputs }

    { $outcome }

## batch
batch_prompt =
    📄 <b>{ $title }</b>: send a CSV file with a header row of input names, like this template. Every valid row costs { $cost } { $cost ->
            [one] credit
           *[other] credits
        }; invalid rows are listed and not charged.
    At most { $max_rows } { $max_rows ->
            [one] row
           *[other] rows
        } and { $max_kb } KB.
batch_confirm =
    📄 <b>{ $title }</b>
    Valid rows: <b>{ $valid }</b> · invalid (not charged): { $bad }
    💳 { $valid } × { $cost } = <b>{ $total }</b> { $total ->
            [one] credit
           *[other] credits
        }
    Balance: { $balance } → <b>{ $after }</b>
batch_insufficient =
    📄 <b>{ $title }</b>
    Valid rows: <b>{ $valid }</b> · invalid: { $bad }
    ⚠️ Not enough credits: { $valid } × { $cost } = <b>{ $total }</b>, your balance is <b>{ $balance }</b>. Top up, or send a shorter file.
batch_bad_row = Row { $row }: { $reason }
batch_more_bad =
    … and { $count } { $count ->
            [one] more invalid row
           *[other] more invalid rows
        } (all are in the results file).
batch_no_valid =
    ⚠️ No valid rows in this file, nothing was charged.
    { $bad }
batch_running =
    ⏳ <b>{ $title }</b>: predicting { $count } { $count ->
            [one] row
           *[other] rows
        }…
batch_done =
    ✅ Done: { $completed } predicted, { $failed } failed (refunded), { $bad } invalid. Charged { $charged } { $charged ->
            [one] credit
           *[other] credits
        } · balance { $balance }.
err_batch_not_csv = ⚠️ Please send a <b>.csv</b> file.
err_batch_too_big = ⚠️ The file is too big: { $max_kb } KB at most.
err_batch_download = ⚠️ I couldn't read the file. Please send it again.
err_batch_need_file = 📄 Please send a CSV file (or tap Cancel).
err_batch_encoding = ⚠️ The file must be UTF-8 text.
err_batch_empty = ⚠️ The file is empty.
err_batch_malformed = ⚠️ This is not a valid CSV file: { $detail }
err_batch_missing_columns = ⚠️ Missing columns: { $missing }. The first row must name the inputs.
err_batch_no_rows = ⚠️ The file has a header but no rows.
err_batch_too_many_rows = ⚠️ Too many rows: { $rows }, at most { $max }. Split the file.

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

## top up with Telegram Stars
cmd_paysupport = Help with payments
topup_menu =
    ➕ <b>Top up with Telegram Stars</b> ⭐
    Pick a pack, or choose your own amount ({ $rate } { $rate ->
            [one] credit
           *[other] credits
        } per star).
btn_pack = ⭐ { $stars } → { $credits } cr
btn_custom_amount = ✏️ Other amount
topup_ask_amount =
    How many Stars? A whole number from { $min } to { $max } ({ $rate } { $rate ->
            [one] credit
           *[other] credits
        } per star).
err_topup_amount = ⚠️ Send a whole number of Stars from { $min } to { $max }.
invoice_title =
    { $credits } { $credits ->
            [one] credit
           *[other] credits
        }
invoice_description =
    { $credits } { $credits ->
            [one] credit
           *[other] credits
        } for predictions in this bot ({ $stars } Telegram Stars, order #{ $order }).
invoice_label =
    { $credits } { $credits ->
            [one] credit
           *[other] credits
        }
checkout_unknown_order = This invoice is unknown. Please open /topup again.
checkout_not_yours = This invoice was made for another account.
checkout_disabled = Your account is disabled.
checkout_already_paid = This invoice is already paid. Please open /topup for a new one.
checkout_amount_mismatch = The amount does not match the invoice. Please open /topup again.
payment_credited =
    ✅ Payment received: <b>+{ $credits }</b> { $credits ->
            [one] credit
           *[other] credits
        }. Balance: <b>{ $balance }</b>.
payment_duplicate = ℹ️ This invoice had already been paid, so nothing was added. Your { $stars } ⭐ are being returned.
payment_problem = ⚠️ We could not match this payment to an account. Please contact { $support }: your Stars will be returned.
payment_credited_disabled =
    ✅ Payment received: <b>+{ $credits }</b> { $credits ->
            [one] credit
           *[other] credits
        }. Balance: <b>{ $balance }</b>.
    Your account is disabled, so the bot cannot be used for now; the credits stay yours. To get your Stars back, contact { $support }.
payment_found_later =
    ✅ Your payment of { $stars } ⭐ has been received: <b>+{ $credits }</b> { $credits ->
            [one] credit
           *[other] credits
        }. Balance: <b>{ $balance }</b>.
adm_payment_disabled = 💳 A disabled account paid: user #{ $user }, { $stars } ⭐, credited { $credits } (order #{ $order }). To return the Stars: /refund { $order }
adm_payment_unknown = ⚠️ A payment of { $stars } ⭐ from Telegram user { $tg } matches no account (payment #{ $id }): nothing was credited, and its Stars are being returned.
adm_payment_found =
    🔎 Found in Telegram's record and credited now: payment #{ $id }, user #{ $user }, { $stars } ⭐ ({ $credits } { $credits ->
            [one] credit
           *[other] credits
        }).
adm_refund_outside =
    🔎 Telegram's record shows a refund of payment #{ $id } ({ $stars } ⭐, user #{ $user }) that the bot did not make, and the balance no longer has its { $credits } { $credits ->
            [one] credit
           *[other] credits
        }, so they were not taken back. Please settle it by hand.
payment_unmatched = ⚠️ We could not match this payment to an account, so nothing was added. Your { $stars } ⭐ are being returned. Questions: { $support }.
adm_refund_outside_taken =
    🔎 Telegram's record shows a refund of payment #{ $id } ({ $stars } ⭐, user #{ $user }) that the bot did not make: its { $credits } { $credits ->
            [one] credit
           *[other] credits
        } were taken back.
adm_refund_gave_up = ❌ The Stars of payment #{ $id } ({ $stars } ⭐, user #{ $user }) could not be returned: { $error }. Any credits taken back were given back. See /refund.
paysupport =
    💬 <b>Payments support</b>
    Credits bought with Telegram Stars are added at once. A failed prediction is refunded in credits automatically. For a refund of Stars or any problem with a payment, contact { $contact } with your order number (in /balance).
paysupport_admins = the bot's administrators
adm_usage_refund = Usage: /refund &lt;order number | telegram_payment_charge_id&gt;
adm_refund_not_found = ⚠️ No payment “{ $ref }”.
adm_refund_insufficient =
    ⚠️ The user's balance is { $balance }: cannot take back { $amount } { $amount ->
            [one] credit
           *[other] credits
        }, so no refund was made.
adm_refund_already = ℹ️ This payment is refunded already.
adm_refund_done =
    ✅ Refunded { $stars } ⭐ (payment #{ $id }); { $credits } { $credits ->
            [one] credit
           *[other] credits
        } taken back.
adm_refund_retrying = ⏳ Credits taken back; Telegram did not answer ({ $error }). The Stars refund of payment #{ $id } will be retried automatically.
adm_refund_failed = ❌ Telegram refused the refund of payment #{ $id }: { $error }. The credits were given back.
