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
