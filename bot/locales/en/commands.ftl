## what Telegram shows about the bot (setMyDescription, setMyShortDescription)
bot_description =
    Predictions by machine-learning models, right in Telegram: iris species, wine cultivar, diabetes progression and more.
    Send the values, confirm the price, get the answer in a second. Each prediction costs credits; new accounts get free credits, and you can top up with Telegram Stars.
bot_short_description = Machine-learning predictions for credits: pick a model, send values, get the answer.

## commands (setMyCommands): a description is 1–256 characters
cmd_start = Start / main menu
cmd_predict = Make a prediction
cmd_balance = Balance and latest transactions
cmd_history = Your predictions
cmd_topup = Top up credits
cmd_settings = Language and notifications
cmd_language = Language
cmd_promo = Redeem a promo code
cmd_help = What this bot does
cmd_login = Sign in to an existing account
cmd_cancel = Cancel the current dialog

## admin commands (the menu of each admin's chat)
cmd_admin = Admin console
cmd_users = Find users
cmd_user = A user's card
cmd_credit = Credit a user
cmd_debit = Debit a user
cmd_disable = Disable a user
cmd_enable = Enable a user
cmd_models = Models: switch on and off
cmd_setcost = Set a model's price
cmd_enable_model = Switch a model on
cmd_disable_model = Switch a model off
cmd_addmodel = Upload a model
cmd_versions = A model's versions
cmd_rollback = Roll a model back
cmd_stats = Figures
cmd_broadcast = Message every user
cmd_refund = Refund a payment
cmd_promo_new = Create a promo code
cmd_promos = Promo codes and their uses
cmd_promo_off = Switch a promo code off
